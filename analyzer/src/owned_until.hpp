// concheck analyzer: methods whose `this` is owned up to where a thread may
// first reach it (private; part of ownership.hpp).
//
// A method that may start a thread or hand `this` on (before_start.hpp) owns
// its object up to those points (own_start_point) when every call that may
// run it runs on an object no thread reaches yet:
//  - a call on a local object no thread can reach yet (before_start_at, the
//    callee allowed to start threads itself); or
//  - a call on the caller's own object or a member of it held by value
//    (`return db_.tune_logger(l, k);` in the holder's `tune_logger`), from a
//    caller whose `this` is owned there: owned as a whole (owned_this), or
//    owned up to its own points other than this call (a call that may start
//    a thread is one of them; what the callee does before its own points
//    still runs on an object no thread reaches).
// A virtual method is run by calls on its base methods too: it qualifies
// only when no call in the program names a method it overrides (its every
// caller is then among its own call sites). A least fixed point: a method
// qualifies once every caller that its call sites need does. Cost: O((F + C)
// * rounds).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "summary.hpp"

namespace concheck::analyzer::detail {

using call_sites = std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>>;

// Fills program::owned_until. `sites`: the calls of each function; `entries`:
// thread entry functions (never owned).
void compute_owned_until(program& p, const call_sites& sites, const std::set<std::string>& entries);

}  // namespace concheck::analyzer::detail
