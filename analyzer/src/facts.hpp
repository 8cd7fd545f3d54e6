// concheck analyzer: the facts one translation unit contributes (private).
//
// extract_facts() walks a libclang AST once and records, per function body, the
// events that matter for concurrency, each with the locks held at that point:
// accesses to data that may be shared, lock acquisitions, calls, thread starts,
// joins, condition-variable waits and blocking calls. Nothing here refers to a
// libclang object, so facts outlive their translation unit and facts from many
// TUs (built on worker threads) can be merged. Entities are keyed by libclang
// USRs, which name the same function, field or global in every TU.
//
// Lock and data keys: a global or static is its USR; a member is its field's
// USR (so `this->m`, `m` and `acct.m` are one key); an element of an array or
// container adds "[]"; a local variable is its USR (only shared when a lambda
// captures it by reference).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "diagnostic.hpp"

namespace concheck::analyzer {

// A lock as the source names it: `id` is the canonical key, `display` the
// user's words ("account::mu_", "g_lock", "forks[]").
struct lock_name {
  interned id;
  interned display;
  // Which object's lock this is, for self-deadlock (ids name a field for every
  // object): "global" for a global or static lock, "this" or "this.f.g" for a
  // member of the object the function runs on (or of its members), a
  // variable's or parameter's USR (optionally ".f...") for a lock reached
  // through it, "" when unknown (an element, a call's result).
  interned instance{};
  bool recursive = false;  // std::recursive_mutex and the like: re-locking is allowed
  // Held only where a condition chose to take it: a guard given `cond ? &m :
  // nullptr` (zeromq's scoped_optional_lock_t). It protects what it guards,
  // but the code says the same accesses also run without it, so it is no
  // evidence that the data needs a lock (shared_data.cpp). Where one lock is
  // held several ways, unconditionally on any one of them wins (lock_union).
  bool optional = false;
  friend bool operator<(const lock_name& a, const lock_name& b) { return a.id < b.id; }
  friend bool operator==(const lock_name& a, const lock_name& b) { return a.id == b.id; }
};

// Locks held at one program point. `must`: held on every path reaching it
// (used for lock order, so no edge is invented); `may`: held on some path
// (used for unprotected-write, so no write is called unprotected when a path
// holds a lock). Both sorted by id.
struct held_set {
  std::vector<lock_name> must;
  std::vector<lock_name> may;
  // Of `may`, the locks held only in shared (reader) mode: they protect reads,
  // not writes. Sorted by id.
  std::vector<lock_name> shared_only;
};

enum class var_kind { global, field, local };

struct var_info {
  std::string key;
  std::string display;
  var_kind kind = var_kind::global;
  std::string owner_class;  // field: the class USR
  bool atomic = false;
  bool thread_local_storage = false;
  bool constant = false;
  std::vector<lock_name> guarded_by;  // from GUARDED_BY / PT_GUARDED_BY
  location declared;
};

// A lock held on every path at a point, with the site that took it (for
// self-deadlock reports).
struct held_lock {
  lock_name lock;
  location where;
  bool shared = false;
};

// What an access reaches its data through (see ownership.cpp): the object the
// method runs on, a pointer or reference parameter (whose callers decide
// whether it is owned), a global, or anything else (always shared).
enum class access_base : unsigned char { other, this_object, param, global };

struct access_fact {
  interned var;  // key into tu_facts::vars
  bool write = false;
  location where;
  held_set held;
  bool captured = false;  // a local reached through a lambda capture by reference
  bool via_this = false;  // a member of the object the method runs on, or of a member object it holds by
                          // value (this->m.f)
  access_base base = access_base::other;
  int param = -1;  // base == param: the parameter's index
  // The latest call (index into function_facts::calls) that every path to
  // this point passes through, -1 if none: when its callee turns out, in
  // another TU, never to return, this point is dead (summary.cpp).
  int after_call = -1;
};

// Where one argument of a call comes from, so the callee's parameter can be
// judged owned or shared at this call site (ownership.cpp).
struct arg_origin {
  // shared: of unknown origin (a call's result, a pointer read from memory):
  // not owned, and no evidence either. shared_root: reachable from shared
  // state for sure (a global, a local handed to a thread or captured by
  // reference): evidence that the callee's parameter is shared.
  enum class kind : unsigned char { shared, owned, param, this_object, shared_root } what = kind::shared;
  int param = -1;  // what == param: the caller's parameter index
  interned local;  // what == owned through a local: its USR (shared if a lambda captures it by reference)
  // what == owned through a local pointer whose every value is fresh memory,
  // null or what these user functions return (a factory's object, `void*`
  // round trips included), named only as a call's argument, a method call's
  // object or in tests against null: owned only if each of them is a factory
  // (function_facts::returns_fresh, program::factories). Empty: owned as is.
  std::vector<interned> fresh_sources{};
};

// The signs a number may have, as a set: a parameter's timeout value, for
// cv-wait-no-loop (ast_values.hpp). For a std::chrono::duration, the signs of
// its count().
using sign_set = std::uint8_t;
inline constexpr sign_set kNegative = 1, kZero = 2, kPositive = 4, kAnySign = 7;

// On every path to a point, the function's parameter `param` (its value on
// entry, which the body never changes) has one of `signs`: what the branches
// taken on the way tested (`if (timeout.count() == 0)`).
struct param_signs {
  int param = -1;
  sign_set signs = kAnySign;
  friend bool operator==(const param_signs&, const param_signs&) = default;
};

// What a call passes for the callee's parameter `index`, when that is known:
// a constant (`param` -1, the three sets equal: its sign), or a value
// computed from the caller's parameter `param` by sign-preserving steps
// (`std::chrono::milliseconds(ms)`, widening): the signs it may have when
// that parameter is negative, zero, positive.
struct arg_value {
  unsigned index = 0;
  int param = -1;
  sign_set if_negative = kAnySign;
  sign_set if_zero = kAnySign;
  sign_set if_positive = kAnySign;
};

struct acquisition_fact {
  lock_name lock;
  location where;
  held_set held;                        // before this acquisition
  bool try_lock = false;                // cannot block: adds no order edge into `lock`
  bool shared = false;                  // reader acquisition
  int group = -1;                       // scoped_lock/std::lock: same group = no order among them
  std::vector<held_lock> held_locks{};  // held on every path before, with their instances and sites
  int after_call = -1;                  // see access_fact::after_call
};

struct call_fact {
  interned callee;  // USR
  location where;
  held_set held;
  // Locks passed as arguments (by reference or pointer), by argument index:
  // a callee that locks its parameter locks these.
  std::vector<std::pair<unsigned, lock_name>> lock_args;
  // For a method call, the object it is called on: one other threads can
  // reach (a global, a reference or pointer, a by-reference capture), `this`
  // (or a member of it) of the caller, or a local object of the caller.
  enum class receiver_kind : unsigned char {
    none,
    shared,
    this_object,
    local
  } receiver = receiver_kind::none;
  // One per argument, by index (the object of an operator call excluded);
  // missing ones count as shared.
  std::vector<arg_origin> arg_origins;
  // receiver == shared through a pointer or reference parameter of the
  // caller: its index (the object is owned where that parameter is).
  int receiver_param = -1;
  std::vector<held_lock> held_locks{};  // held on every path at the call, with instances and sites
  // The object a method is called on, as a lock instance path ("this",
  // "this.f", a variable's USR; "" unknown or not a method call): a callee's
  // "this..." locks are this object's.
  interned receiver_path{};
  // A loop of the caller repeats the call (cv-wait-no-loop through wrappers):
  // the call is inside a loop, and the object a method is called on is not
  // one declared in that loop (`for (auto& t : threads) t.start()` starts
  // each thread once; ast_walker.hpp, loops_).
  bool in_loop = false;
  // The arguments whose value is known (arg_value), by callee parameter; and
  // what the caller's parameters are known to be on every path to the call.
  std::vector<arg_value> arg_values{};
  std::vector<param_signs> param_guards{};
  bool never_returns = false;  // the callee is known here never to return (noreturn, abort, throw...)
  int after_call = -1;         // see access_fact::after_call (the chain of calls every path passes)
  // A lambda written here (passed on, stored): it may run later, on another
  // thread, without the locks held here. Not a call for self-deadlock.
  bool deferred = false;
  // receiver == shared through a global, a by-reference capture or a local
  // handed to a thread: concrete evidence that the object is shared (an
  // object of unknown origin is none; see compute_shared_this in summary.cpp).
  bool receiver_root = false;
  // Before thread start (before_start.hpp): the local object this method is
  // called on, when the function names that local only as the object of
  // method calls (never its address, a reference to it, a capture): its USR,
  // else empty. For `a[i].f()` on a local array, the array's.
  interned receiver_local{};
  // receiver_local is `a[i]` with `i` the index of the one loop around the
  // call (a `for` that alone changes it): another element on every iteration.
  bool receiver_per_iteration = false;
  // The outermost loop around the call, numbered in walk order; -1 if none.
  int outer_loop = -1;
  // receiver == this_object, and the object is `this` itself or a member of
  // it held by value (no pointer or reference on the way): built and torn
  // down with the caller's object (ownership.cpp).
  bool receiver_in_this = false;
  // receiver_in_this on a member of the object, not `this` itself: that
  // member's fields, innermost first, as USRs joined by '/' ("[]" for an
  // element of a member array). The same member of every object of the
  // caller's class, so the calls on it are the calls on one part of those
  // objects (summary.cpp: the holder's lock).
  interned receiver_member{};
  // The callee is compiler-provided (a builtin, a defaulted special member):
  // it has no body anywhere, and is not "out of sight" for before_start.hpp.
  bool callee_implicit = false;
  // The end of the innermost block around the call that ends the function on
  // every path (ast_exit_regions.hpp): code written after it never runs after
  // this call. Empty when the rest of the function may follow.
  location reach_end{};
  // The object a method is called on is reached through what a call returns
  // (`error_->set()` through a user `operator->`, `get()->f()`, or a direct
  // `pthread_getspecific(k)`, named so): that callee's USR, else empty. When
  // every value it returns is a thread-specific value, the object is the
  // calling thread's own (thread_specific.hpp).
  interned receiver_source{};
  // The object a method is called on is what a pointer member of the
  // caller's own object points at (`cache_->clear()`, `this->cache_->f()`):
  // that field's USR, else empty (member_origins.hpp).
  interned receiver_pointer_member{};
  // The object each argument names, by callee parameter, as a lock instance
  // path (lock_paths.hpp; "" unknown): a callee's locks of what its
  // parameter points at are these objects' (lock order, self-deadlock).
  std::vector<interned> arg_paths{};
  // Lock order (fresh_locks.hpp): the object a method is called on is what a
  // local pointer of the caller points at, every value of which in the body
  // is fresh memory (`new`), null or what a user function returns (those
  // functions' USRs, each of which must return fresh memory too), and which
  // the body names, up to this call, only as the object of method calls or
  // in a test against null: that local's USR, else empty.
  interned receiver_fresh{};
  std::vector<interned> receiver_fresh_sources{};
  // cv-wait-no-loop: the call lies between a test that leaves the function
  // when a condition holds and a re-test of it that leaves when it fails
  // (ast_recheck.cpp): a wait it reaches is re-checked, as in a loop.
  bool rechecked = false;
};

struct spawn_fact {
  std::string entry;  // USR of the function or lambda id
  std::string entry_display;
  location where;
  bool in_loop = false;  // may start several threads
  location reach_end{};  // as call_fact::reach_end
  int outer_loop = -1;   // as call_fact::outer_loop
};

// A point of a body from which a thread may reach `this`: where `this` is
// handed on (function_facts::exposures), a thread started, or a call that may
// do either (before_start.hpp).
struct start_point {
  location where;
  bool in_loop = false;
  location reach_end{};   // as call_fact::reach_end
  location loop_start{};  // in_loop: where the outermost loop around it begins (empty if unknown)
};

struct cv_wait_fact {
  location where;
  bool has_predicate = false;
  bool in_loop = false;
  int after_call = -1;                      // see access_fact::after_call
  std::vector<param_signs> param_guards{};  // as call_fact::param_guards
  // pthread_cond_timedwait: a wait (owner_locks.hpp), but a timed one, which
  // cv-wait-no-loop leaves alone as it does wait_for.
  bool timed = false;
  // Between a test that leaves the function when a condition holds and a
  // re-test of the same condition that leaves it when it fails
  // (ast_recheck.cpp): guarded as a loop would guard it.
  bool rechecked = false;
};

struct blocking_fact {
  std::string what;  // "std::this_thread::sleep_for", "join", ...
  location where;
  held_set held;
  int after_call = -1;  // see access_fact::after_call
};

struct thread_var_fact {  // a std::thread object that is never joined or detached
  std::string name;
  location where;
};

struct function_facts {
  std::string id;       // USR, or "lambda@file:line:col"
  std::string display;  // "account::withdraw", "lambda at main.cpp:12"
  location where;
  std::string owner_class;  // methods: the class USR
  std::string enclosing;    // lambdas: display name of the named function they are written in
  bool is_method = false;
  bool is_public = false;
  bool is_ctor_or_dtor = false;
  bool is_virtual = false;  // a virtual method (or an override): callers out of sight
  bool is_lambda = false;
  bool is_main = false;
  std::vector<std::string> params;         // parameter USRs, in order
  std::vector<lock_name> requires_locks;   // REQUIRES(...) annotation
  std::vector<lock_name> released_unheld;  // unlocked here but never locked here: held on entry
  std::vector<access_fact> accesses;
  std::vector<acquisition_fact> acquisitions;
  std::vector<call_fact> calls;
  std::vector<spawn_fact> spawns;
  std::vector<location> joins;
  std::vector<cv_wait_fact> cv_waits;
  std::vector<blocking_fact> blocking;
  std::vector<thread_var_fact> unjoined_threads;
  // No path through the body returns: every one ends in a throw or a call
  // that never returns. Callers in other TUs learn it from the summary.
  bool never_returns = false;
  // `this` is used as a value here (passed on, stored, returned, `*this`),
  // a member of it is passed by address or reference, or a lambda is
  // written here: the object may become reachable from elsewhere
  // (before_start.hpp).
  bool exposes_this = false;
  // Where `this` is exposed, in source order, up to the first exposure that
  // the rest of the function may follow (reach_end empty), and whether each
  // is inside a loop (a later iteration's code runs after it): the ends of
  // the owned part of a method that starts its own threads (before_start.hpp).
  std::vector<start_point> exposures;
  // Where each outermost loop of the body begins, by call_fact::outer_loop.
  std::vector<location> loop_starts;
  // A call through a function pointer or of an unresolved callee: it may do
  // anything, start a thread included (before_start.hpp).
  bool indirect_calls = false;
  // Thread-specific data (thread_specific.hpp): where the value handed to
  // each pthread_setspecific call here comes from.
  std::vector<arg_origin> specific_values;
  // Every return statement returns a thread-specific value: the result of
  // pthread_getspecific or of one of `specific_sources` (USRs, each of which
  // must return one too), or a local pointer whose every value is one of
  // those, fresh memory or null (under casts and `*`).
  bool returns_specific = false;
  std::vector<std::string> specific_sources;
  // Every return statement returns fresh memory: null, a `new` object, the
  // result of one of `fresh_sources` (user functions, each of which must
  // return fresh memory too), or a local pointer whose every value is one of
  // those (a factory: zeromq's socket_base_t::create; fresh_locks.hpp).
  bool returns_fresh = false;
  std::vector<std::string> fresh_sources;
  // Where the walk of this body stopped descending (nesting deeper than the
  // walker follows, or its thread's stack ran low): code below it was not
  // analyzed. At most one per body, the first cut; reported as a warning.
  std::vector<location> walk_cuts;
};

// A virtual method declared in user code, with or without a body in this TU:
// the methods it overrides directly (clang_getOverriddenCursors) and whether
// it is pure. The program's overrides tell which bodies a virtual call may run
// (before_start.hpp).
struct method_decl {
  std::vector<std::string> overrides;  // USRs, sorted
  bool pure = false;
};

struct class_info {
  std::string id;
  std::string display;
  bool owns_lock = false;       // has a lockable field
  bool takes_own_lock = false;  // one of its methods locks one of its lock fields (set by build_program)
  bool system = false;          // declared in a system header (std::pair...): its fields are not user data
};

}  // namespace concheck::analyzer

struct concheck::analyzer::tu_facts {
  std::map<std::string, function_facts> functions;  // by id
  std::map<std::string, var_info> vars;             // by key
  std::map<std::string, class_info> classes;        // by USR
  std::map<std::string, method_decl> methods;       // virtual methods, by USR
  // Pointer fields of user classes named in this TU, by USR: true while every
  // use seen reads the pointer or stores a `new` object or null into it, and
  // the field is not public (ast_member_stores.cpp, member_origins.hpp).
  std::map<std::string, bool> fresh_pointer_members;
};

namespace concheck::analyzer {
// Orders locations for deterministic output.
inline bool location_less(const location& a, const location& b) {
  if (a.file != b.file) return a.file < b.file;
  if (a.line != b.line) return a.line < b.line;
  return a.column < b.column;
}
}  // namespace concheck::analyzer
