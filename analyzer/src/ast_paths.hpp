// concheck analyzer: calls that never return (private).
//
// A path ends at a call that cannot return: the body walker marks the state
// after it unreachable, so code after it is neither reported nor cited, and
// the lockset at a join ignores that branch (`if (!ok) { mu.unlock();
// abort(); }` leaves mu held after the if). A callee never returns when it is
//  - one of the C and C++ library's: abort, exit, _Exit, quick_exit,
//    std::terminate, longjmp, pthread_exit, __assert_fail, libstdc++'s
//    std::__throw_* helpers, __builtin_trap/__builtin_unreachable;
//  - declared [[noreturn]], _Noreturn or __attribute__((noreturn)) (on the
//    declaration the call names, its first declaration or its definition);
//  - a function with a body in this TU that has no return statement and whose
//    body ends, on every path, in a throw or in a call that never returns
//    (decided syntactically: a statement of a block, or both arms of an
//    if/else; loops are assumed to end). Cached per USR; recursion counts as
//    returning.
// A function whose walk ends unreachable is summarized as never returning
// (function_facts::never_returns) for callers in other TUs.
// One oracle per TU (not thread-safe); cost linear in the bodies it looks at.
#pragma once

#include <clang-c/Index.h>

#include <map>
#include <string>

namespace concheck::analyzer::detail {

class noreturn_oracle {
 public:
  // Whether the call expression `call` never returns.
  bool call_never_returns(CXCursor call);
  // Whether a call to the function declared by `callee` never returns.
  bool never_returns(CXCursor callee);

 private:
  bool ends_every_path(CXCursor stmt, int depth);
  enum class verdict { returns, never, in_progress };
  std::map<std::string, verdict> cache_;  // by USR
};

}  // namespace concheck::analyzer::detail
