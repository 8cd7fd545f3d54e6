// concheck analyzer: ownership decided per thread root (private).
//
// ownership.hpp owns a function's `this` or pointer parameter only when every
// call in the program passes an owned value for it. A thread that makes its
// own object and works on it (`void *s = zmq_socket (ctx, ZMQ_PUSH);
// zmq_connect (s, ...)` in a worker) calls the same functions that other
// code calls on shared objects, so that rule never owns them. RacerD
// (Blackshear et al., OOPSLA 2018) decides at each call site instead: what a
// callee does through a parameter the caller passed an owned value for is an
// owned access there. Here the call sites are grouped by thread root (the
// code one started thread, one class-lock api entry or one starting
// function's region runs): for each root R and function f that R reaches,
// f's `this` (its pointer parameter i) is R's own when EVERY call R runs that
// reaches f passes, for it, a value R's thread owns at that call:
//  - anything ownership.hpp owns at every call (owned_origin, this_owned_at):
//    a local, a temporary, fresh memory, and now a local pointer whose every
//    value is fresh memory, null or a factory's result (fresh_locks.hpp,
//    program::factories; through `void*` and casts), named only as a call's
//    argument, a method call's object or in tests against null;
//  - a method call on such a local (call_fact::receiver_fresh);
//  - the caller's own `this` (or a member it holds by value, or a lambda
//    called where it is written) or parameter, when that is R's own at the
//    caller: so ownership flows down R's calls, and across translation units.
// The roots that start in f (its thread, its region after a thread start, the
// api root of a public method of a class that locks) run it on what they are
// handed, so f's `this` and parameters are never their own. A deferred call
// (a lambda handed on) is never owned. Greatest fixed point: start from every
// root that reaches f, remove what a call contradicts; O((F + C) * R) per
// round for F functions, C calls, R roots per function.
//
// An access a function makes through `this` or parameter i is not an access
// of the roots that own it there (shared_accesses.cpp): neither reported nor
// evidence against another access under those roots; under the others it is
// judged as before.
//
// Assumed, as RacerD does, and not checked (docs/analyzer-checks.md, "Known
// limits"): what a factory or a callee stores the object into before or while
// the thread uses it (zeromq's create_socket registers each socket in the
// context's `_sockets`, walked by ctx_t::terminate) lets no other thread
// reach it meanwhile; and what a method does with `this` (sends it to
// another thread) hands on no object it still uses.
#pragma once

#include <string>

#include "summary.hpp"

namespace concheck::analyzer::detail {

// Fills program::owned_in_root (needs roots, root_starts, factories and the
// every-call ownership of ownership.hpp).
void compute_root_ownership(program& p);

// Whether root `root` runs access `a` of `f` only on data its own thread made
// for itself (through `this` or a pointer parameter).
bool owned_in_root(const program& p, const function_facts& f, const access_fact& a, const std::string& root);

}  // namespace concheck::analyzer::detail
