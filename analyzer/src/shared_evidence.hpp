// concheck analyzer: which objects are shared on concrete evidence (private).
//
// compute_shared_this() fills program::classes_locking_any, program::shared_this (methods whose object other
// threads can reach) and program::shared_params (pointer or reference
// parameters through which other threads' objects arrive), together, as the
// least fixed point over the call graph. Evidence is concrete:
//  - a thread start: its entry's object and every parameter;
//  - the public methods of a class that takes its own lock (api roots);
//  - a call whose object or argument is reached from a global, a by-reference
//    lambda capture or a local handed to a thread (call_fact::receiver_root,
//    arg_origin::kind::shared_root);
//  - a call on `this` (or a member of it), or passing it, from a method whose
//    object is shared; a call on, or passing, a parameter that is shared.
// An object of unknown origin (a call's result, a pointer read from memory, a
// parameter of a function nobody visible calls) is no evidence: a lock-free
// class reached only that way is not shared. Calls on owned objects
// (ownership.hpp) are never evidence. Must run after compute_ownership and
// compute_roots, and before compute_required (a call on an object of unknown
// origin is no evidence about the locks its callee needs). Cost: O((F + C * A) * rounds).
#pragma once

#include "summary.hpp"

namespace concheck::analyzer::detail {

void compute_shared_this(program& p);

// Whether the object a method call in `f` runs on is shared on evidence (valid
// once compute_shared_this has run; false for an owned object).
bool shared_receiver(const program& p, const function_facts& f, const call_fact& c);

}  // namespace concheck::analyzer::detail
