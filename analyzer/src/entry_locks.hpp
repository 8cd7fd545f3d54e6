// concheck analyzer: the locks of a helper's own object that every caller
// holds for writing (private; part of the holder's lock, holder_lock.hpp).
//
// A private helper of a database class (`HashDB::trim_file`, called only
// from `open()` with `mlock_` held for writing) takes no lock itself, yet
// its object's lock is held exclusively whenever it runs. For each method
// that is neither public nor virtual, has known callers and is no thread
// entry, exclusive_entry_locks() gives the ids of the locks of its own
// object (lock instance "this") held for writing on every path at every
// call of it:
//  - a call on the caller's own object (receiver path "this": `trim_file()`,
//    `this->trim_file()`) contributes the caller's own locks held so
//    (call_fact::held_locks, not shared) and the caller's own entry locks;
//  - a call on another object (`db_->defrag_impl()` in a cursor) contributes
//    the locks held so whose instance is that object's path (`db_->mlock_`);
//  - any other call (through a pointer to member, a callback, an object of
//    unknown path) contributes nothing, so the method gets no entry lock.
// Assumed: a method that is not public is called only where the program
// shows it (its class, friends, subclasses in sight). Public and virtual
// methods get none: callers out of sight may call them. A lock held only on
// some paths to a call, or held for reading, does not count. Not seen: a
// method whose address is also taken and handed to code out of sight
// (`schedule(&T::trim, this)`) is judged by its direct callers alone, as
// the required locks are (summary.hpp).
// Greatest fixed point over the call graph (a site whose caller is still
// undecided is skipped): O((F + C) * L) per round for F functions, C calls
// and L locks held at a call.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "summary.hpp"

namespace concheck::analyzer::detail {

// Per method id, the sorted ids of its own locks every call holds for
// writing on every path (see above); methods with none are absent.
std::map<std::string, std::vector<interned>> exclusive_entry_locks(const program& p);

}  // namespace concheck::analyzer::detail
