// concheck analyzer: when a function reaches an untimed wait, as conditions
// on its parameters, for cv-wait-no-loop (private).
//
// A timeout wrapper waits untimed only for one value of its timeout (thrift's
// Monitor::waitForTimeRelative: `if (timeout.count() == 0) return
// waitForever();`). A wait_reach says when a function reaches such a wait: a
// conjunction of parameter signs (param_signs, sorted by parameter, none with
// every sign; none at all: always). A function's reaches are a disjunction,
// at most kMaxReaches, none implied by another; past that they collapse into
// "always", which is sound: a reach too many reports more, never less.
//
// A call carries a callee's reach into its caller (through_call): a constant
// argument whose sign the condition excludes cuts it, a caller's parameter
// passed on (ast_values.hpp) turns it into a condition on that parameter,
// anything else drops that part of the condition (the value may be any);
// the caller's own branch tests on the way to the call are added.
//
// Cost: a call costs O(P * A) for P conditions and A known arguments (both a
// handful); adding a reach O(kMaxReaches * P).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "facts.hpp"

namespace concheck::analyzer::detail {

struct wait_reach {
  std::vector<param_signs> when;  // empty: always
  location wait;                  // the untimed wait reached
  std::string function;           // the function it is in
};

inline constexpr std::size_t kMaxReaches = 8;

// `tests` as a condition: sorted by parameter, merged, full sets dropped;
// nullopt when the tests contradict each other (that path never runs).
std::optional<std::vector<param_signs>> condition_of(std::vector<param_signs> tests);

// The condition in the caller under which `call` reaches the wait the callee
// reaches when `callee_when`; nullopt when it never does.
std::optional<std::vector<param_signs>> through_call(const std::vector<param_signs>& callee_when,
                                                     const call_fact& call);

// Adds `r` to the disjunction `reaches` (see the file comment); false when
// it adds nothing (a reach already there is implied by it).
bool add_reach(std::vector<wait_reach>& reaches, wait_reach r);

}  // namespace concheck::analyzer::detail
