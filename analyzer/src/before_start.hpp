// concheck analyzer: code before the first thread start that can reach an
// object, as an owner-only context (private).
//
// A method call on a local object runs "before start" when, on every path to
// it, no thread that can reach that object has been started: the object is
// not shared yet (a thread object configured with `t.setparams(...)` before
// `t.start()`, an array of them filled and started one by one). Then `this`
// is owned in the callee even when its class takes its own lock
// (ownership.hpp: such classes' public methods are otherwise never owned).
// A local pointer declared with a `new` object (`T* p = new T;`), while it
// still holds it (not handed on, not given another value), counts as a local
// object: until its first other mention it is that object's only name.
// The rule, for a call `c` on local `L` in function `f`:
//  - up to `c`, `f` names `L` only as the object of method calls (`L.m()`,
//    `L[i].m()`): every statement that makes an address, reference, pointer
//    or lambda capture of it starts after `c` ends and, when `c` is in a
//    loop, is in no loop; so a thread can reach it only through a method
//    called on it (call_fact::receiver_local, ast_before_start.cpp);
//  - the callee neither may start a thread nor expose `this` (transitively):
//    what it does after that would run on a shared object;
//  - no other call on `L` that can run before `c` (written before it, or in
//    the same outermost loop, so a later iteration) may start a thread or
//    expose `this`, transitively through calls (may_start, exposes_this
//    below); callees out of sight and calls through pointers may do both;
//    a virtual method called other than on a local object by value may run
//    any override of it in the program (recorded from every declaration,
//    clang_getOverriddenCursors), so it may do what one of them, or the
//    method itself unless pure, may; a pure one with no override in sight
//    may do anything;
//  - one exception: `L[i]` with `i` the index of the only loop around both
//    calls, where the other call is written after `c`: in an earlier
//    iteration it ran on another element;
//  - no constructor of the callee's class exposes `this` (base classes'
//    constructors are not looked at).
// Threads started by calls on other objects cannot reach `L`: nothing hands
// them `L` but a method of `L` that exposes `this`, excluded above.
// Cost: O(F + C) per fixed-point round for may_start and exposes_this;
// before_start_at is O(calls of f).
#pragma once

#include <optional>
#include <vector>

#include "summary.hpp"

namespace concheck::analyzer::detail {

// Fills program::may_start, program::exposes_this and
// program::ctor_exposes_this.
void compute_before_start(program& p);

// Whether `call` (made in `caller`) runs on a local object no thread can
// reach yet (the rule above). With `callee_may_start`, the callee itself may
// start a thread or expose `this`: only what it does before that is owned.
bool before_start_at(const program& p, const function_facts& caller, const call_fact& call,
                     bool callee_may_start = false);

// Where, in method `f` whose every call runs before start (with
// callee_may_start), a thread that can reach `this` may first exist: each
// thread start, exposure of `this`, or call on `this` that may start a
// thread or expose it (a virtual one through its overrides), with the end of
// the block around it that ends the function on every path, if any
// (ast_exit_regions.hpp: `if (opened) { set_error(...); return false; }`),
// up to the first point the rest of the function may follow. A thread
// started by a call on another object reaches `this` only after an exposure.
// A point in a loop is moved back to where the outermost loop around it
// begins (code written before it in the loop may run after it, in a later
// iteration). Empty when a point is in another file (a macro), or `f` makes
// indirect calls (whose place is not recorded): then nothing is owned.
std::optional<std::vector<start_point>> own_start_point(const program& p, const function_facts& f);

// Whether code at `at` runs, on every path, on an object no thread reaches
// yet: for every point, it is written before the point, or after the end of
// the block around the point that ends the function (no path runs it after
// the point).
bool owned_before_start(const std::vector<start_point>& points, const location& at);

}  // namespace concheck::analyzer::detail
