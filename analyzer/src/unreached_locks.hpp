// concheck analyzer: locks of an object no other thread can reach yet, for
// lock order (private).
//
// A call on a local object that no thread can reach yet (before_start.hpp,
// before_start_at: named only as the object of method calls up to the call,
// no earlier call on it and not the callee itself may start a thread or hand
// `this` on, no constructor of its class exposes `this`) takes the object's
// own locks while no other thread can hold them: such an acquisition cannot
// close a deadlock cycle with another thread, so the locks the caller holds
// get no lock-order edge to it (zeromq's ctx_t::terminate binding a socket
// of its own under _slot_sync; fixtures neg_lock_order_unreached_local,
// uw_lock_order_unreached_local). Only the callee's *own* locks count: a
// lock member of the object itself (lock_name::instance "this": a member
// held by value, not one reached through a pointer or reference member),
// taken by the callee or by what it calls on `this` itself. A lock id the
// callee also takes on any other object (a parameter's, a global, a member
// pointer's, an unknown one) keeps its edge. What the callee orders inside
// itself (its own lock, then another) is an edge of the class as before.
// Cost: a fixed point over the call graph, O(R * (F + C) * L).
#pragma once

#include <map>
#include <set>
#include <string>

#include "summary.hpp"

namespace concheck::analyzer::detail {

class unreached_locks {
 public:
  explicit unreached_locks(const program& p);

  // Whether `lock_id`, which the callee of `call` (made in `caller`) takes,
  // is only ever the lock of the callee's own object, and that object is
  // one no other thread can reach at this call.
  bool unreached_at(const function_facts& caller, const call_fact& call, const std::string& lock_id) const;

  // Whether `lock_id`, which the callee of `call` takes, is only ever the
  // lock of the callee's own object (whatever object that is at this call).
  bool callee_own(const call_fact& call, const std::string& lock_id) const;

 private:
  const program& p_;
  std::map<std::string, std::set<std::string>> own_;      // taken on the function's own object
  std::map<std::string, std::set<std::string>> foreign_;  // taken on anything else
};

}  // namespace concheck::analyzer::detail
