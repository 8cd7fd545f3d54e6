// concheck analyzer: the own locks of an object being built or torn down,
// for lock order (private).
//
// A constructor or destructor runs while no other thread can reach its
// object: the owner-only assumption the data rules make for `this`
// (docs/analyzer-checks.md, "Ownership, contexts, instances"). Lock order
// takes it only where nothing shows that another thread may still be there:
// a constructor or destructor (an owner context) that
//  - does not expose `this`, itself or through what it calls on it
//    (before_start.hpp, exposes_this): a thread it starts is not handed the
//    object, and reaches it only the way any other thread might;
//  - neither joins a thread nor waits on a condition variable, itself or
//    through what it calls on its own object or on what that object holds
//    (a member, what a member points at): it would be waiting for threads
//    that still run on it;
//  - belongs to a class none of whose functions (constructors, methods,
//    lambdas written in them) starts a thread, is started as one or exposes
//    `this`: such an object runs threads of its own, which its destructor
//    may be stopping under its lock, or was handed on (registered in a
//    table other threads search under their own lock) and may still be
//    found while it is torn down.
// A helper of owner contexts is one too: a method that is neither public nor
// virtual, no thread entry, meets the three conditions, and every call
// of which in the program is made by an owner context on its own object or
// a member of it held by value. In an owner context, a lock member the
// object holds by value (lock_name::instance "this") is one no other thread
// can hold or wait for, so
//  - taking it draws no lock-order edge into it: no other thread can hold
//    it while waiting for a lock this thread holds; and
//  - holding it draws no edge out of it: a deadlock cycle through L -> B
//    (this thread holds L and waits for B) closes only when some other
//    thread waits for L, and none can reach L.
// A lock reached through a pointer or reference member ("this.mu_"), a
// global, a parameter's or another object's lock keeps its edges, and so do
// all the edges of a constructor or destructor that fails a condition.
// A call an owner context makes on its own object (or a by-value member)
// runs on that object: the callee's own locks there are unreached too
// (in_place; whether the callee takes a lock only on its own object is
// unreached_locks::callee_own).
// Cost: closures and a greatest fixed point over the call graph, O(R * C)
// for C calls and R rounds.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "summary.hpp"

namespace concheck::analyzer::detail {

class owner_contexts {
 public:
  explicit owner_contexts(const program& p);

  // Whether `function` runs only while no other thread can reach its object.
  bool owner_only(const std::string& function) const { return contexts_.count(function) != 0; }

  // Whether `lock`, taken in `f`, is a by-value lock member of an object no
  // other thread can reach there.
  bool own_lock(const function_facts& f, const lock_name& lock) const;

  // Whether `lock`, held on every path at a point of `f` where `held` are
  // the locks held with their instances, is such a lock: every instance of
  // its id held there is the object's own.
  bool own_held(const function_facts& f, const std::vector<held_lock>& held, const lock_name& lock) const;

  // Whether `call`, made in `caller`, runs on the caller's own object (or a
  // member of it held by value) while no other thread can reach it, and the
  // callee does not hand its `this` on.
  bool in_place(const function_facts& caller, const call_fact& call) const;

 private:
  const program& p_;
  std::set<std::string> contexts_;
};

}  // namespace concheck::analyzer::detail
