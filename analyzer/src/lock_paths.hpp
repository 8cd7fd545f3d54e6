// concheck analyzer: a lock as an access path, for lock order and
// self-deadlock (private).
//
// A lock's instance (lock_name::instance) is a path from a root: "this", a
// parameter or local (its USR), a global object ("global:USR"), a local
// object held by value ("local:USR", a new object on every run), "?" for a
// root the analysis cannot name (what a call returned), plus the fields on
// the way (".a.b"); "global" is a global lock itself and "" a lock whose
// object is unknown (an element of an array of locks).
//  - At a call, a callee's lock is translated into the caller's terms
//    (translate_lock): "this..." becomes the receiver's path, a parameter's
//    path the argument's (a lock parameter the lock passed), a global stays
//    itself; a lock of an object the caller passes no name for (a method
//    called on a call's result) loses its root ("?"), and one of the
//    callee's own locals ("?local": an object it made or looked up) is one
//    the caller cannot name at all: lock order does not carry it into the
//    caller, as Infer's starvation analysis does not.
//  - Lock order names a graph node by the lock's field and the path after
//    the root, "equal modulo the root" as Infer's starvation analysis does
//    (order_node): `this->mu_`, `other.mu_`, `from->mu_` are one node. Kept
//    apart: a lock of an object of the function's own class reached from
//    `this` through at most kMaxOrderFields fields (`this->peer_->mu_` in a
//    method of the class of mu_: another object of that class, zeromq's
//    monitor socket), and a global object's lock (`first.m_`, `second.m_`).
//    A longer path is cut to its first kMaxOrderFields fields (translate_lock
//    marks it ".*": lock order keeps the prefix, self-deadlock no longer
//    names it). Any other path (through a member of another class, from a
//    parameter or a local) is the class's node, the lock named by its field
//    alone.
// Pure functions of strings; cost linear in the path's length.
#pragma once

#include <optional>
#include <string>

#include "facts.hpp"

namespace concheck::analyzer::detail {

// Fields after the root kept apart in lock-order nodes.
inline constexpr int kMaxOrderFields = 2;

struct lock_path {
  std::string root;    // "this", "global", "global:USR", "local:USR", a USR, "?", or "" (unknown)
  std::string fields;  // ".a.b" or ""
};

lock_path split_lock_path(const std::string& instance);

// Whether `instance` starts at `root` (the root itself, or root + ".field...").
bool path_starts_with(const std::string& instance, const std::string& root);

// The callee's lock `l` in the caller's terms at `call`: always a lock, its
// instance "?..." or "" when the caller cannot name its object.
lock_name translate_lock(const function_facts& callee, const call_fact& call, lock_name l);

// Whether `l` was translated from a local of the callee (see above).
bool callee_local(const lock_name& l);

// Whether the caller can name the object of `l` (its root is neither "?"
// nor unknown).
bool named_instance(const lock_name& l);

// The part of the lock-order node of `l` after its name: "" for the
// class's node, ".f.g" for a path kept apart, "global:USR" for a global
// object's lock.
std::string order_suffix(const lock_name& l, const std::string& owner_class);

// The lock-order node of `l`, taken in a function of class `owner_class`
// (a USR, "" for a free function; see above).
std::string order_node(const lock_name& l, const std::string& owner_class);

// Whether the object of `l` is one a caller chooses: `this` or a parameter
// of `f` itself, not an object reached from it (two calls may pass the
// objects the other way round).
bool caller_chosen(const function_facts& f, const lock_name& l);

// The user's words for the object of `l`: "this", "from", "this._peer".
std::string instance_display(const lock_name& l);

}  // namespace concheck::analyzer::detail
