// concheck analyzer: ownership, in the spirit of RacerD (private).
//
// Data a function owns cannot race: its locals (dropped while walking),
// memory it just allocated and has not published, and whatever it reaches
// only through a pointer or reference parameter that every caller passes its
// own data for. Accesses are recorded relative to their base (access_base:
// `this`, parameter i, a global, other), and each call records where its
// arguments come from (arg_origin), so the caller decides ownership at every
// call site, transitively and across translation units:
//  - parameter i of f is owned when f has known callers, is no thread entry,
//    and every call passes an owned value for it: a local, a temporary, fresh
//    memory, or the caller's own owned parameter or owned `this`;
//  - `this` of f is owned in constructors and destructors (templates too), and
//    in methods (and lambdas) whose every call is on an owned object: a local,
//    or `this` (or a member of it) of an owned-`this` caller; in a public
//    method of a class that takes its own lock (an api root: such a class is
//    written to be shared) only when it is not virtual and every call is on
//    a local no thread can reach yet (before_start.hpp: `t.setparams(...)`
//    before `t.start()`).
// A parameter some caller passes shared data for (a global, a member of a
// shared object, an unknown pointer) stays shared. Greatest fixed point over
// the call graph: O((F + C) * rounds).
#pragma once

#include "summary.hpp"

namespace concheck::analyzer::detail {

void compute_ownership(program& p);

// Whether what `o` names is owned in `caller` on every call of it: a local, a
// temporary, fresh memory, a factory's object held in a local
// (arg_origin::fresh_sources), or the caller's own owned parameter or `this`.
bool owned_origin(const program& p, const function_facts& caller, const arg_origin& o);

// Whether the object the callee of `call` runs on is owned at this call (a
// local, or `this` of an owned-`this` caller); false for free functions.
bool this_owned_at(const program& p, const function_facts& caller, const call_fact& call);

// Whether `a` (in `f`) touches owned data: not a shared access at all.
bool owned_access(const program& p, const function_facts& f, const access_fact& a);

}  // namespace concheck::analyzer::detail
