// concheck analyzer: the walk of one function body (private).
//
// body_walker follows a body in source order, statement by statement, keeping
// a flow_state (the locks held). Guards hold their locks from their declaration
// to the end of the enclosing compound statement; explicit lock/unlock calls
// change the state where they appear; at joins (if/else, loops, switch, try)
// the states are joined (lockset.hpp). Loops are walked once: a lock taken in a
// loop body and released in it is exact; one carried around the loop is "may".
// Lambdas become functions of their own ("lambda@file:line:col") with a call
// edge from the enclosing body (so a predicate called under the lock inherits
// it through the caller summaries), except when handed to a thread.
// Cost: linear in the size of the body; no fixpoint iteration.
#pragma once

#include <clang-c/Index.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ast_exit_regions.hpp"
#include "ast_paths.hpp"
#include "ast_types.hpp"
#include "ast_values.hpp"
#include "facts.hpp"
#include "lockset.hpp"

namespace concheck::analyzer::detail {

// `v[i]`, `v.at(i)`, `v.front()`, `v.back()` on a standard library container
// (an element it holds in place): the container's expression, else null
// (ast_ownership.cpp).
CXCursor container_of_element(CXCursor call);

// State shared by every body walked in one translation unit.
struct tu_context {
  tu_facts& facts;
  type_classifier types;
  std::map<std::string, lock_name> global_locks_by_name;  // for annotation arguments
  std::set<std::string> captured_locals;                  // locals some lambda captures by reference
  noreturn_oracle noreturn;                               // calls that end the path (ast_paths.hpp)

  explicit tu_context(tu_facts& f) : facts(f) {}

  // Lock names that an attribute on `decl` mentions (identifiers in the decl's
  // own tokens that name a lockable field of `owner_class` or a global lock).
  std::vector<lock_name> annotation_locks(CXCursor decl, CXCursor owner_class,
                                          const std::string& attribute_prefix);
  // The attribute names attached to `decl` ("guarded_by", "requires_capability").
  static std::vector<std::string> attributes(CXCursor decl);
  void note_class(CXCursor class_decl);
  // The parameter a function hands back as its result (every return is it,
  // a local pointer copying it, or null; ast_pass_through.cpp), -1 if none
  // or its body is not in sight; `is_null_pointer` tells a null return.
  int returned_param(CXCursor callee, bool (*is_null_pointer)(CXCursor));

 private:
  std::map<std::string, int> returned_params_;  // by function USR
};

struct lambda_capture {
  bool by_ref_default = false;
  std::set<std::string> by_ref;   // names captured by reference
  std::set<std::string> by_copy;  // names captured by copy
};

// Summarizes the methods of a class declared inside a function body as
// functions of their own (facts_extract.cpp), so that their parameters are
// theirs and not the enclosing function's.
void summarize_local_class(tu_context& tu, CXCursor class_decl);

class body_walker {
 public:
  body_walker(tu_context& tu, function_facts& fn, CXCursor decl);
  // Walks a function (or lambda) body.
  void walk_body(CXCursor body);
  // For lambdas: how the lambda captures and what locals the outside declared.
  void set_lambda(lambda_capture capture) {
    lambda_ = std::move(capture);
    is_lambda_ = true;
  }
  // The deepest nesting a walk follows (see kMaxDepth below).
  static constexpr int kMaxWalkDepth = 1000;

 private:
  struct guard_info {
    std::vector<lock_name> locks;
    bool shared = false;
  };
  struct breakable {
    bool loop = false;
    std::vector<flow_state> exits;
    std::size_t scope_depth = 0;  // guards of deeper scopes end when jumping out
  };
  struct cond_effect {
    enum class kind { none, try_mutex, guard } what = kind::none;
    bool positive = true;
    lock_name lock;
    bool shared = false;
    std::string guard;
    location where;
  };

  // statements (ast_walker.cpp)
  void walk_stmt(CXCursor c);
  void walk_compound(CXCursor c);
  void walk_if(CXCursor c);
  void walk_loop(CXCursor c);
  void walk_switch(CXCursor c);
  void walk_try(CXCursor c);
  void walk_var_decl(CXCursor c);
  void end_scope();
  cond_effect analyze_condition(CXCursor cond);
  void apply_condition(const cond_effect& e, bool branch_true);

  // expressions (ast_expr.cpp)
  void walk_expr(CXCursor c);
  void walk_children(CXCursor c);
  void walk_call(CXCursor c);
  bool walk_member_call(CXCursor call, CXCursor callee, const std::string& name);
  bool walk_free_call(CXCursor call, CXCursor callee, const std::string& name, const std::string& qualified);
  void record_access(CXCursor target, bool write);
  // `root` (optional): set when the object is reached from a global, a
  // by-reference capture or an escaped local (call_fact::receiver_root).
  call_fact::receiver_kind receiver_of(CXCursor call, bool* root = nullptr);
  // The object a method call is made on, as an instance path (ast_lock_identity.hpp).
  std::string receiver_path_of(CXCursor call);
  // Records a call with the locks held, the receiver's path and whether a
  // loop repeats it (`object`: what a method is called on, else null).
  void add_call(call_fact call, const std::string& receiver_path, CXCursor object = clang_getNullCursor());
  void record_var_access(CXCursor ref, CXCursor decl, bool write, bool via_this,
                         access_base base = access_base::other, int param = -1);
  std::string walk_lambda(CXCursor lambda, bool called_here);
  std::optional<std::pair<std::string, std::string>> thread_entry(CXCursor arg);
  void spawn(CXCursor call, CXCursor entry_arg);

  // locks (ast_lockops.cpp)
  // The lock `expr` names, with its instance and recursion (ast_lock_identity.hpp).
  std::optional<lock_name> lock_of(CXCursor expr);
  std::optional<lock_name> lock_id_of(CXCursor expr);
  void acquire(const std::vector<lock_name>& locks, const std::string& holder, bool shared, bool try_lock,
               const location& where);
  void declare_guard(CXCursor var, CXCursor init_call, const type_facts& guard_type);
  void release(const lock_name& lock);
  // A call to a function annotated ACQUIRE(l)/RELEASE(l): acquires/releases l.
  bool annotated_lock_call(CXCursor callee, const location& where);
  // A lock operation called on a lockable `object` with the call's other
  // arguments `args` (an integer argument selects one slot of a slotted lock).
  bool mutex_method(CXCursor object, const std::string& name, const std::vector<CXCursor>& args,
                    const location& where);
  bool guard_method(CXCursor object, const std::string& name, const location& where);
  bool pthread_call(const std::string& name, const std::vector<CXCursor>& args, const location& where);
  std::vector<CXCursor> call_args(CXCursor call);

  // ownership (ast_ownership.cpp)
  int param_index(CXCursor parm_decl) const;  // -1 when not one of this function's parameters
  arg_origin origin_of_arg(CXCursor arg);
  std::vector<arg_origin> origins_of(const std::vector<CXCursor>& args);
  int receiver_param_of(CXCursor call);
  // A function passed to a user function (`visit(&state, &State::Match)`) is
  // called by it: a call edge here, each of its pointer parameters taking the
  // origin of the call's first argument of the same type (the `void* arg`).
  // Not when it is handed `this` (a scheduler's `schedule(&T::work, this)`).
  void add_callback_calls(
      CXCursor call,
      const std::vector<CXCursor>& args);  // the parameter a method call's object is reached through, or -1
  void note_pointer_local(CXCursor var, CXCursor init);  // `T* p = &local` / `= (T*)param`
  // `lhs = rhs`, for freshness: a local pointer given a pointer into fresh
  // memory points at it too (linked to it); given anything else but null it
  // no longer does; a fresh pointer stored anywhere else is published.
  void note_pointer_assign(CXCursor lhs, CXCursor rhs);
  // The fresh local pointer `e` points into (`a + i`, `i + a`, `a - i`,
  // `&a[i]`, or `a` itself, under casts: `reinterpret_cast<T*>(a)`, of a
  // `new T[n]` or `new T` not yet handed on), or "".
  std::string fresh_array_of(CXCursor e) const;
  // `pointer` points into fresh `array`: fresh too, and handing either on
  // publishes both (unfresh).
  void note_fresh_element(const std::string& pointer, const std::string& array);
  void unfresh(const std::string& id);
  static bool is_null_pointer(CXCursor e);  // nullptr, NULL, 0 (under casts)
  // A local handed to another thread (a thread start's argument, std::ref, a
  // by-reference capture of a lambda that outlives the statement) is no
  // longer this call's own from there on.
  void mark_escaped(CXCursor arg);
  void escape_captures(const lambda_capture& capture);
  bool escaped(CXCursor decl) const;
  // `T** out` parameters whose slot holds only null or this call's fresh
  // memory wherever it is used (ast_out_params.cpp): parameter USRs.
  std::set<std::string> fresh_out_params_;
  void scan_fresh_out_params(CXCursor body);
  // thread-specific data (ast_thread_specific.cpp)
  // Sets function_facts::returns_specific and specific_sources.
  void scan_specific_returns(CXCursor body);
  // call_fact::receiver_source of a method call.
  static std::string receiver_source_of(CXCursor call);
  // A pthread_setspecific call's arguments: records where its value comes from.
  void note_specific_value(const std::vector<CXCursor>& args);
  // before thread start (ast_before_start.cpp)
 public:
  // Where a local is first named other than as the object of a method call
  // (the start of that statement, in source order), and whether any such
  // mention is in a loop.
  struct handed_local {
    location first;
    bool in_loop = false;
  };

 private:
  // Before the walk: the locals the body names other than as the object of a
  // method call (handed_locals_), and whether it uses `this` as a value
  // (function_facts::exposes_this).
  void scan_handed_locals(CXCursor body);
  // Sets call_fact::receiver_local and receiver_per_iteration of a method call.
  void note_receiver_local(CXCursor call, call_fact& fact) const;
  // Before the walk: the stretches of the body between a test that leaves
  // when a condition holds and a re-test of it that leaves when it fails
  // (ast_recheck.cpp); whether a wait or call at `at` lies in one.
  void scan_rechecks(CXCursor body);
  bool rechecked(const location& at) const;
  std::vector<std::pair<location, location>> recheck_spans_;
  // Sets call_fact::receiver_fresh and receiver_fresh_sources of a method call.
  void note_receiver_fresh(CXCursor call, call_fact& fact) const;
  // A builtin (no source location) or a defaulted special member: the
  // compiler provides it, no body of its own is ever summarized.
  static bool compiler_provided(CXCursor callee);
  // Entering the outermost loop: its number and, for a `for` whose index
  // variable only its increment changes, that variable's USR.
  void enter_outer_loop(CXCursor loop);
  // pointers to member functions (ast_member_pointers.cpp)
  void note_member_address(CXCursor method);
  bool member_pointer_call(CXCursor call);

  tu_context& tu_;
  function_facts& fn_;
  CXCursor decl_;
  flow_state state_;
  exit_regions exits_{tu_.noreturn};              // blocks around the walk that end the function
  std::vector<std::vector<std::string>> scopes_;  // guard USRs declared per compound
  std::map<std::string, guard_info> guards_;
  std::vector<breakable> breakables_;
  // What the body tests of its parameters and passes on (ast_values.hpp);
  // set by walk_body.
  std::optional<value_reader> values_;
  int loop_depth_ = 0;
  // The loops around the point being walked, innermost last, each with the
  // variables declared in it so far (its header, its body): a loop does not
  // repeat a call made on one of those, which is on another object every
  // iteration (`for (auto& t : threads) t.start()`).
  struct loop_scope {
    std::set<std::string> vars;
  };
  std::vector<loop_scope> loops_;
  // Whether some loop around this point repeats a call on `object` (null:
  // not a method call): cv-wait-no-loop's call_fact::in_loop.
  bool repeated_in_loop(CXCursor object) const;
  // Deeper nesting than this (a generated a+b+...+z chain of thousands of
  // terms) is not followed: the walk recurses once per level and must not
  // exhaust a worker thread's stack. Real code stays far below it. The walk
  // also stops early when the thread's stack runs low (stack_budget.hpp):
  // frame sizes differ between builds (sanitizers) and callers' threads.
  static constexpr int kMaxDepth = kMaxWalkDepth;
  // Records where the walk stopped descending (function_facts::walk_cuts).
  void note_walk_cut(CXCursor c);
  int depth_ = 0;  // current recursion depth of walk_stmt/walk_expr
  int next_group_ = 0;
  bool is_lambda_ = false;
  lambda_capture lambda_;
  std::set<std::string> own_locals_;                          // locals declared in this body
  std::set<std::string> fresh_locals_;                        // local pointers given a `new` object here
  std::map<std::string, std::set<std::string>> fresh_parts_;  // fresh pointers into one array, both ways
  std::map<std::string, std::string> lambda_vars_;            // local USR -> lambda id it holds
  std::map<std::string, thread_var_fact> threads_;            // started std::thread locals not yet joined
  bool returned_ = false;                                     // a reachable return statement was seen
  std::map<std::string, int> param_alias_;  // local pointer/reference USR -> parameter it copies
  std::set<std::string> escaped_locals_;    // USRs of locals other threads may reach from here on
  std::set<std::string> escaped_names_;     // ... by name (lambda captures)
  bool all_escaped_ = false;                // a [&] lambda was handed on
  std::set<std::string> published_locals_;  // local pointers stored into a global (`g = p`)
  int outer_loop_ = -1;                     // the outermost loop being walked, -1 outside loops
  int loops_seen_ = 0;                      // outermost loops numbered so far
  std::string loop_index_;                  // USR of that loop's index variable, or ""

  // Locals named other than as a method call's object, from where on.
  std::map<std::string, handed_local> handed_locals_;
  // The same, not counting a pointer's tests against null (`!p`, `p == NULL`,
  // `if (p)`, zeromq's `zmq_assert (s)`): a test reads the pointer's value
  // and hands nothing on (lock order's fresh objects, fresh_locks.hpp).
  std::map<std::string, handed_local> handed_past_tests_;
  // The same, not counting either a pointer's mentions as an argument of a
  // call to a user function or as the left side of `=` (`s = factory ();
  // use (s);`): a local named only so is handed to no one but callees, whose
  // summaries decide, at the call, what they do with it (ast_ownership.cpp).
  std::map<std::string, handed_local> handed_past_args_;
  // Local pointers whose every value in the body is fresh memory, null or a
  // user function's result, with those functions' USRs (ast_thread_specific.cpp).
  std::map<std::string, std::vector<std::string>> fresh_valued_locals_;
  // Local pointers that only ever point at a part of this object held by
  // value (`&head_`) or at memory a `new` here just allocated (ast_this_parts.cpp):
  // what is reached through them is judged as part of this object.
  std::set<std::string> this_part_locals_;
  void scan_this_parts(CXCursor body);
  // Pointer members of this object (paths of field USRs, top first) and the
  // stretches of the body (file offsets) where they hold only memory this
  // method just allocated, or null (ast_fresh_members.cpp): what is reached
  // through them there is judged as part of this object.
  std::map<std::string, std::vector<std::pair<unsigned, unsigned>>> fresh_members_;
  void scan_fresh_members(CXCursor body);
  bool through_fresh_member(CXCursor member_ref) const;
  // Whether an assignment's left side is (a member of) a global (ast_ownership.cpp).
  bool stored_in_global(CXCursor lhs) const;
  // The fresh local pointer whose memory an assignment's left side lies in
  // (`pe->ev.ptr`: pe), or "" (ast_ownership.cpp).
  std::string fresh_holder_of(CXCursor lhs) const;
};

}  // namespace concheck::analyzer::detail
