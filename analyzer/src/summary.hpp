// concheck analyzer: the whole program as the rules see it (private).
//
// build_program() merges the facts of every translation unit (functions,
// variables and classes by USR; the first definition of a function wins, so a
// header's inline function summarized in many TUs counts once; a TU that has
// no body for a function contributes nothing about it) and derives:
//  - dead code: what runs only after a call to a function that another TU
//    summarized as never returning is dropped (cut_dead_code in summary.cpp).
//  - per-TU functions: a USR defined in several TUs at different places names
//    distinct entities (`main` of several programs in one compile_commands.json,
//    or one external name defined in two programs). The first definition keeps
//    the USR; every later one is renamed "USR@tu<N>", and the calls and thread
//    starts of its own TU are redirected to it, so no program loses its body.
//  - thread roots: where concurrently running code starts. A function passed
//    to a thread start is a root (run by as many threads as it has start sites,
//    "several" when started in a loop); the code of the starting function after
//    its first thread start and before its last join is a root; public methods
//    of a class that owns a lock are a root run by several threads (they are
//    called from many threads by design). roots_of(f) is every root whose code
//    reaches f through calls.
//  - required locks: the locks held at every call site of a function (plus its
//    REQUIRES annotation), the greatest fixed point over the call graph, so a
//    helper always called under a lock is protected by it. Thread entry points
//    and functions nobody calls require only what they are annotated with (a
//    public method with known callers is judged by those callers).
//  - transitive acquisitions: the locks a function or anything it calls takes,
//    with one witness site each, for lock-order edges across calls.
// Cost: O((F + C) * L) per fixed-point round for F functions, C call sites and
// L locks; rounds are bounded by the call graph's depth in practice.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "facts.hpp"

namespace concheck::analyzer::detail {

struct thread_root {
  std::string id;
  std::string display;
  int multiplicity = 1;  // 2 = may run in several threads at once
  location started;
};

struct acquired_lock {
  lock_name lock;
  location where;        // the acquisition itself (possibly deep in a callee)
  std::string function;  // display name of the function that takes it
  bool try_lock = false;
  bool shared = false;
};

struct program {
  std::map<std::string, const function_facts*> functions;
  // Copies of the functions of TUs with per-TU (renamed) definitions, with ids,
  // callees and thread entries rewritten; `functions` points into them. Boxed
  // so that the pointers survive moving the program.
  std::vector<std::unique_ptr<function_facts>> rewritten;
  std::map<std::string, var_info> vars;
  std::map<std::string, class_info> classes;
  // Virtual methods (tu_facts::methods): for each, every method of the
  // program that overrides it, directly or through other overrides (sorted),
  // and the pure ones. What a virtual call may run (before_start.hpp).
  std::map<std::string, std::vector<std::string>> overriders;
  std::set<std::string> pure_virtuals;

  std::map<std::string, thread_root> roots;
  std::map<std::string, std::set<std::string>> roots_of;  // function -> root ids
  // function -> the roots that start in it (its thread, its own region after
  // a thread start, the api root of a public method of a class that locks):
  // what those roots run it on, no call site of theirs decides.
  std::map<std::string, std::set<std::string>> root_starts;
  std::map<std::string, std::vector<lock_name>>
      required_may;  // function -> locks held at every call site (some path)
  std::map<std::string, std::vector<lock_name>> required_must;  // ... on every path
  // The locks held (some path) at every call whose object is shared on
  // evidence (shared_evidence.hpp), plus required_may: what protects the
  // accesses a method makes to its own object (access_fact::via_this). A
  // call on an object no evidence makes shared is no evidence about them.
  std::map<std::string, std::vector<lock_name>> required_this_may;
  // function -> (lock id, instance in its terms) -> witness
  std::map<std::string, std::map<std::string, acquired_lock>> acquires;
  // Methods (and lambdas in them) whose `this` other threads can reach: started
  // as a thread, or called on a shared object, or on `this` from such a method.
  std::set<std::string> shared_this;
  // Ownership (ownership.hpp): per function, which pointer/reference
  // parameters every caller passes its own data for, and whether `this` is
  // owned (constructors, destructors, and methods only ever called on owned
  // objects).
  std::map<std::string, std::vector<bool>> owned_params;
  std::set<std::string> owned_this;
  // Functions every return of which is fresh memory, null or another such
  // function's result (fresh_locks.hpp, compute_factories).
  std::set<std::string> factories;
  // Ownership decided per thread root (root_ownership.hpp): per function, the
  // roots that run it only on an object, or with a pointer parameter, that
  // root's own thread made for itself.
  struct root_owned {
    std::set<std::string> this_roots;
    std::vector<std::set<std::string>> param_roots;
  };
  std::map<std::string, root_owned> owned_in_root;
  // Before thread start (before_start.hpp): functions that may start a
  // thread, functions that may expose their `this` (directly or through a
  // method called on it), classes one of whose constructors exposes `this`.
  std::set<std::string> may_start;
  std::set<std::string> exposes_this;
  std::set<std::string> ctor_exposes_this;
  // Methods whose `this` is owned up to the points of their body where a
  // thread may first reach it (before_start.hpp: every call is on a local no
  // thread can reach yet, and the method itself starts a thread or exposes
  // `this` there): accesses no path runs after one of them.
  std::map<std::string, std::vector<start_point>> owned_until;
  // Evidence of sharing (shared_evidence.cpp): per function, which pointer or
  // reference parameters some caller passes an object reachable from shared
  // state for (a global, a by-reference capture, a local handed to a thread,
  // a member of a shared `this`, an evidenced parameter of its own), or that
  // a thread start hands over. An object of unknown origin is no evidence.
  std::map<std::string, std::vector<bool>> shared_params;
  // Thread-specific data (thread_specific.hpp): the functions every value of
  // which is the calling thread's own thread-specific value, and
  // "pthread_getspecific"; empty when some thread may store a shared object
  // as its thread-specific value.
  std::set<std::string> thread_own_sources;

  bool param_shared(const std::string& function, int param) const;
  // Classes one of whose methods takes a global lock itself (re2's
  // `ref_mutex`): their objects are written to be shared, so what their
  // methods do to their own object is judged.
  std::set<std::string> classes_locking_any;
  // Pointer members that only hold objects made for them (ast_member_stores.hpp),
  // by field USR, and per method whose object is reached through one of
  // them, per origin (the member, or "" for any other way), the locks held
  // at every call with that origin (member_origins.hpp).
  // ... and the thread roots those calls run under.
  struct origin_facts {
    std::vector<lock_name> locks;
    std::set<std::string> roots;
    friend bool operator==(const origin_facts&, const origin_facts&) = default;
  };
  std::set<std::string> fresh_members;
  std::map<std::string, std::map<std::string, origin_facts>> origin_locks;

  // Roots that run the code at `where` inside function `f` (its own roots,
  // plus the spawner root when `where` lies between its first thread start
  // and its last join).
  std::set<std::string> roots_at(const function_facts& f, const location& where) const;
  bool concurrent(const std::set<std::string>& a, const std::set<std::string>& b) const;
  // The same, on evidence only: one of the two runs in a thread the program
  // starts (a "thread:" root). Two public methods of classes that own a lock
  // ("api:" roots: the class-lock assumption), or such a method and the
  // region of a function after it started a thread ("spawner:", which runs on
  // whatever thread called it), are concurrent only by assumption. Code only
  // the assumption calls concurrent is reported only where the code shows
  // the data needs a lock (docs/analyzer-checks.md, unprotected-write).
  bool concurrent_on_evidence(const std::set<std::string>& a, const std::set<std::string>& b) const;
};

// Whether `root` is code a thread start runs (not an assumed root).
bool started_root(const std::string& root);

program build_program(const std::vector<tu_facts_ptr>& facts);

// The locks a call acquires: the callee's transitive acquisitions in the
// caller's terms (lock_paths.hpp, translate_lock): a lock that is one of the
// callee's parameters renamed to the argument passed at this call (void
// with(std::mutex& m) { lock m } called as with(a) takes a), a lock of the
// callee's `this` or parameter's object a lock of the receiver's or
// argument's. A lock of a local of the callee (an object the caller cannot
// name) is not carried.
std::vector<acquired_lock> acquired_by_call(const program& p, const call_fact& call);

// Sorted union of lock lists; a lock in both is optional only if it is in
// both (lock_name::optional).
std::vector<lock_name> lock_union(const std::vector<lock_name>& a, const std::vector<lock_name>& b);
// The same locks, with the same optional flags.
bool same_locks(const std::vector<lock_name>& a, const std::vector<lock_name>& b);

}  // namespace concheck::analyzer::detail
