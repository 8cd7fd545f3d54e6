// concheck analyzer: the holder's lock (private).
//
// An object held by value as a member of another (`File file_` in a
// database class) lives inside exactly one holder object, so the calls on
// it made through the holder's `this` are the only calls on it that the
// holder's class makes. When every such call, for one member of one class
// (the same field, by USR, so a derived class's calls on an inherited
// member count with the base's), holds a common lock of the holder's own
// object (a lock whose instance is "this" or "this.f", held for writing:
// call_fact::held.may less held.shared_only), that lock protects the
// callee for that member. Different holder classes may use different locks
// (HashDB::mlock_ for its file, DirDB::mlock_ for its own): each file
// object is still protected by its one holder's lock, so the calls carry a
// single stand-in lock, "the holder's lock", that the required-locks meet
// (summary.cpp) can intersect across holder classes. A call on the member
// of a holder whose calls on that member share no lock, or a call through a
// pointer or reference (another object may hold the same callee object),
// carries no stand-in, so the meet loses it as before.
// A lock the caller itself does not take counts when every call of the
// caller holds it for writing on the caller's object (entry_locks.hpp:
// `file_.refresh()` in HashDB's private `trim_file`, which only `open()`
// calls, with `mlock_` held for writing).
// Cost: O(C * L) for C call sites and L locks held at each.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "summary.hpp"

namespace concheck::analyzer::detail {

using call_sites = std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>>;

// The stand-in lock held at the calls holder_locked_calls() returns;
// `optional` as lock_name::optional.
lock_name holder_lock(bool optional = false);

// The calls a holder's lock protects, each with whether that lock is
// optional: when each lock all the member's calls hold is held at one of
// them only where a condition chose to take it (lock_name::optional, a guard
// given `cond ? &m : nullptr`), the stand-in is optional too, and so no
// evidence under the class-lock assumption alone (docs/analyzer-checks.md,
// unprotected-write). A lock held on entry (entry_locks.hpp) counts as
// unconditional.
using holder_locks = std::map<const call_fact*, bool>;

// Of the counted call sites (callee -> calls), those on a member held by
// value whose holder's lock protects the callee's object (see above).
// `entry_locks`: exclusive_entry_locks(), the locks held on entry.
holder_locks holder_locked_calls(const call_sites& sites,
                                 const std::map<std::string, std::vector<interned>>& entry_locks);

}  // namespace concheck::analyzer::detail
