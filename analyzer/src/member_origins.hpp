// concheck analyzer: which holder's pointer member a method's object is
// reached through (private).
//
// A pointer member that only ever holds objects made by a `new` stored
// straight into it, or null (program::fresh_members, ast_member_stores.hpp),
// never points at an object another such member points at: each object was
// made for one member. So the calls made on `cache_->` of one holder class
// and on `cache_->` of another are calls on different objects, and a lock
// held at the first says nothing about the second (kyotocabinet's IndexDB
// and MapReduce, each with its own TinyHashMap).
//
// compute_origin_locks() fills program::origin_locks: per method whose
// object is reached that way, per origin (the member's field USR, or ""
// for any other way: a parameter, a local, a call's result, a member held by
// value, a lambda), the locks held at every call with that origin whose
// object is shared on evidence (the `this_sites` of compute_required, with
// the holder's stand-in lock where it applies). A call on `this` itself
// passes on the caller's origins. The meet over every origin is
// program::required_this_may. When the fixed point takes more than a bounded
// number of rounds, the table is left empty (every object may be any
// other). Must run at the end of compute_required. Cost: O(C * O) per round
// for C call sites and O origins per method.
#pragma once

#include <set>
#include <string>

#include "holder_lock.hpp"
#include "summary.hpp"

namespace concheck::analyzer::detail {

void compute_origin_locks(program& p, const std::set<std::string>& entries, const call_sites& this_sites,
                          const holder_locks& holder_locked);

}  // namespace concheck::analyzer::detail
