// concheck analyzer: what a body tests of its numeric parameters and what
// values it passes on, for cv-wait-no-loop's timeout wrappers (private).
//
// A wrapper like thrift's Monitor::waitForTimeRelative waits untimed only
// when its timeout is zero (`if (timeout.count() == 0) return waitForever();`),
// so a caller passing 100 ms never reaches the untimed wait. value_reader
// reads two things of one function body, soundly and no further:
//
// - the sign tests a branch condition makes of a parameter (`p == 0`, `!p`,
//   `p`, `p.count() == 0`, `p <= 0`, `0 < p`, `p != std::chrono::seconds(0)`,
//   under `!`, `&&` on the true branch and `||` on the false one);
// - what a call passes for each callee parameter, when it is known: a
//   constant (an integer, floating or enumerator constant, a const variable
//   with a constant initializer, a std::chrono literal such as `100ms`, a
//   default argument of one of those) or one of the function's own parameters
//   through steps whose effect on the sign is known (implicit conversions and
//   casts between numbers, `std::chrono::milliseconds(ms)`, conversions
//   between durations, `d.count()`, unary `-`).
//
// Numbers are integers, floating point numbers, enumerations, bool and
// std::chrono::duration (its count()); a value's sign is one of negative,
// zero, positive (facts.hpp, sign_set). Only parameters the body never
// changes count, so that the value tested or passed anywhere is the value on
// entry: no assignment, increment or decrement, `&p`, non-const method or
// reference binding (`f(p)` for a `T&` or `T&&` parameter, `T& r = p`), and
// no lambda naming it. Anything else (a member, a call's result, a local)
// is unknown: nothing is recorded for it.
//
// Cost: the first question about a parameter walks the body once for its
// changes; each expression is then read in time linear in its depth.
#pragma once

#include <clang-c/Index.h>

#include <optional>
#include <set>
#include <vector>

#include "facts.hpp"

namespace concheck::analyzer::detail {

// How a step maps a value's sign to the signs of its result: by the sign
// before (negative, zero, positive), the set it may become.
struct sign_map {
  sign_set of[3] = {kNegative, kZero, kPositive};  // the identity
};

// A value as a function of one parameter (`param` >= 0, `map` applied to its
// sign), or a constant (`param` -1, `map` the same set for every sign).
struct traced_value {
  int param = -1;
  sign_map map;
  bool constant() const { return param < 0; }
};

class value_reader {
 public:
  // `decl` is the function (or lambda) whose parameters are numbered, in
  // order, among its ParmDecl children; `body` its body.
  value_reader(CXCursor decl, CXCursor body) : decl_(decl), body_(body) {}

  // The signs that `cond` being `branch` implies for the body's unchanged
  // parameters (none listed with every sign).
  std::vector<param_signs> tests(CXCursor cond, bool branch);
  // The known values a call to `callee` passes: `args` by callee parameter
  // (a default argument's value is read from the callee's declaration).
  std::vector<arg_value> arguments(CXCursor callee, const std::vector<CXCursor>& args);

 private:
  std::optional<traced_value> value_of(CXCursor e, int depth = 0);
  std::optional<traced_value> call_value(CXCursor call, CXType type, int depth);
  int unchanged_param(CXCursor parm_decl);
  void scan_changes();

  CXCursor decl_;
  CXCursor body_;
  std::optional<std::set<int>> changed_;  // parameters the body may change (scan_changes)
};

}  // namespace concheck::analyzer::detail
