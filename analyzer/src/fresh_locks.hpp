// concheck analyzer: locks of an object the caller has just made, for lock
// order (private).
//
// Ownership in the spirit of RacerD (issue 13: "memory freshly allocated and
// not yet escaped is owned"): a method called on an object the calling
// function obtained fresh, itself, and has not handed on yet takes that
// object's own locks while no other thread can hold them, so the locks the
// caller holds get no lock-order edge to them (zeromq's ctx_t::terminate
// binding a socket create_socket() has just made, under _slot_sync). The
// call qualifies (call_fact::receiver_fresh, ast_before_start.cpp) when:
//  - it is made on a local pointer every value of which in the caller is
//    fresh memory (`new`), null, or the result of a factory: a function
//    every return of which is one of those or another factory's result
//    (function_facts::returns_fresh, a fixed point over the program; a
//    source out of sight is no factory);
//  - up to the call, the caller names that pointer only as the object of
//    method calls or in tests against null (`zmq_assert (s)`): the caller
//    has not handed it on;
//  - no constructor of the callee's class hands `this` on (that would
//    publish the object before the caller has it).
// What the object's own methods (this one, or one called on it before) do
// with `this` is not followed: as RacerD makes `this` in a method owned
// when the caller owns the object, the object stays the caller's own.
// Only the object's own locks lose their edge: a translated lock whose
// instance is the object itself (a lock member of it). A lock reached from
// it through its members is named as its own class's methods name it
// (lock_paths.hpp: `this->_monitor_socket->_sync` in a method of
// socket_base_t is another node than `_sync`, another object of that
// class): at the call, the fresh object's members hold what its
// constructor and the method gave them, as they do in a method on `this`.
// A lock of another object the callee takes keeps its edge.
// Assumed, as RacerD does for an owned value a callee returns, and not
// checked (docs/analyzer-checks.md lists what this misses): what a factory
// stores the object into before returning it (create_socket's `_sockets`)
// is not searched by another thread that then locks the object; and what
// a method called on it does with `this` (bind registers it in the
// endpoint table) lets no other thread take its lock and then wait for one
// the caller holds.
// Cost: a fixed point over the functions for the factories, O(R * F * S)
// (compute_factories, once per program: unprotected-write's call-site
// ownership uses them too, ownership.cpp); fresh_at is O(S) for the S
// factories the local's values come from.
#pragma once

#include <set>
#include <string>

#include "summary.hpp"

namespace concheck::analyzer::detail {

// program::factories: the functions every return of which is fresh memory,
// null or another factory's result (function_facts::returns_fresh), to a
// fixed point.
void compute_factories(program& p);

class fresh_objects {
 public:
  explicit fresh_objects(const program& p);

  // Whether `call` runs on an object its caller has just made and not
  // handed on (see above).
  bool fresh_at(const call_fact& call) const;

  // Whether `lock`, one the callee of `call` takes (in the caller's terms),
  // is a lock of the object that call runs on itself.
  static bool own_lock(const call_fact& call, const lock_name& lock);

  // When `lock` is reached from that object through its members
  // (`s->_monitor_socket->_sync`): rewrites it as the object's own methods
  // name it (`this._monitor_socket`) and returns true.
  static bool as_object_sees(const call_fact& call, lock_name& lock);

  // The class of the callee of `call` (whose methods name the object's
  // locks), null when unknown.
  const std::string* object_class(const call_fact& call) const;

 private:
  const program& p_;
};

}  // namespace concheck::analyzer::detail
