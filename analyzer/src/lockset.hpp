// concheck analyzer: the set of locks held at one point of a function body
// while the walker follows it statement by statement (private).
//
// Each entry is one hold of one lock by one holder: a guard variable (its USR)
// or "" for an explicit lock()/pthread_mutex_lock. `must` is false when only
// some paths reaching this point hold it (after a join, a try_lock whose result
// was not tested, a try_to_lock guard). Joins keep every entry of either side
// and set must only where both sides hold it; an unreachable side (after
// return/throw/break) is the identity. A handful of entries at most: linear
// scans are the cheapest structure. The state also carries what branch
// conditions said of the function's parameters (`signs`).
#pragma once

#include <string>
#include <vector>

#include "facts.hpp"

namespace concheck::analyzer::detail {

struct held_entry {
  lock_name lock;
  std::string holder;  // guard variable USR, "" for an explicit hold
  bool shared = false;
  bool must = true;
  location where;  // the acquisition
};

struct flow_state {
  std::vector<held_entry> held;
  bool unreachable = false;
  // The calls (indices into the function's calls) that every path to here
  // passes through, oldest first; a join keeps the common prefix. Capped at
  // kMaxAfterCalls (later calls are not tracked: fewer paths cut, never a
  // wrong one).
  std::vector<int> after_calls;
  static constexpr std::size_t kMaxAfterCalls = 256;
  int after_call() const { return after_calls.empty() ? -1 : after_calls.back(); }
  // What the branches taken on the way tested of the function's unchanged
  // parameters (ast_values.hpp), by parameter, none with every sign; a join
  // keeps a parameter both sides know, with the signs of either.
  std::vector<param_signs> signs;
  // Narrows what is known of parameter `test.param` to `test.signs`.
  void narrow(const param_signs& test);

  void add(const lock_name& lock, const std::string& holder, bool shared, bool must,
           const location& where = {});
  // Removes one explicit hold of `lock_id` (or, if there is none, one hold by
  // any holder: unlocking what a released guard held). Returns false if none.
  bool release(const std::string& lock_id);
  void release_holder(const std::string& holder);
  bool holds_via(const std::string& holder) const;
  void set_holder_must(const std::string& holder);
  void change_holder(const std::string& from, const std::string& to);
  held_set snapshot() const;
  // The locks held on every path, with instances and acquisition sites.
  std::vector<held_lock> held_locks() const;
};

flow_state join(const flow_state& a, const flow_state& b);

}  // namespace concheck::analyzer::detail
