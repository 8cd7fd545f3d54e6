// Lock operations of body_walker: lock identity, guards, explicit and pthread
// lock calls, and try-lock conditions.
#include <algorithm>

#include "ast_lock_identity.hpp"
#include "ast_util.hpp"
#include "ast_walker.hpp"
#include "lock_names.hpp"

namespace concheck::analyzer::detail {

std::vector<CXCursor> body_walker::call_args(CXCursor call) {
  std::vector<CXCursor> out;
  int n = clang_Cursor_getNumArguments(call);
  for (int i = 0; i < n; ++i) out.push_back(clang_Cursor_getArgument(call, static_cast<unsigned>(i)));
  return out;
}

std::optional<lock_name> body_walker::lock_of(CXCursor expr) {
  CXCursor c = strip(expr);
  // `thread_safe_ ? &sync_ : NULL` (zeromq's scoped_optional_lock_t): the
  // lock on the path that takes one, as for any lock held on some path;
  // marked optional (facts.hpp, lock_name::optional).
  if (clang_getCursorKind(c) == CXCursor_ConditionalOperator) {
    auto kids = children(c);
    if (kids.size() != 3) return std::nullopt;
    std::optional<lock_name> chosen;
    if (is_null_pointer(kids[2]))
      chosen = lock_of(kids[1]);
    else if (is_null_pointer(kids[1]))
      chosen = lock_of(kids[2]);
    if (chosen) chosen->optional = true;
    return chosen;
  }
  auto lock = lock_id_of(expr);
  if (!lock) return lock;
  // A guard named in std::lock(lk1, lk2) stands for its lock, instance and all.
  if (clang_getCursorKind(c) == CXCursor_DeclRefExpr && guards_.count(usr(clang_getCursorReferenced(c))) != 0)
    return lock;
  lock->instance = lock_instance(c);
  lock->recursive = recursive_lock(c);
  return lock;
}

std::optional<lock_name> body_walker::lock_id_of(CXCursor expr) {
  CXCursor c = strip(expr);
  switch (clang_getCursorKind(c)) {
    case CXCursor_UnaryOperator: {
      auto kids = children(c);
      if (kids.size() != 1) return std::nullopt;
      return lock_of(kids[0]);
    }
    case CXCursor_DeclRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      if (is_null(d)) return std::nullopt;
      // A reference to a lock guard means the lock it holds (std::lock(lk1, lk2)).
      if (auto g = guards_.find(usr(d)); g != guards_.end() && !g->second.locks.empty())
        return g->second.locks.front();
      bool global =
          clang_getCursorKind(d) == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(d) == 1;
      return lock_name{usr(d), global ? qualified_name(d) : spelling(d)};
    }
    case CXCursor_MemberRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      if (is_null(d)) return std::nullopt;
      return lock_name{usr(d), qualified_name(d)};
    }
    case CXCursor_ArraySubscriptExpr: {
      auto kids = children(c);
      if (kids.empty()) return std::nullopt;
      auto base = lock_of(kids[0]);
      if (!base) return std::nullopt;
      // A constant index names one element (locks[0] and locks[1] can invert);
      // any other index stands for "some element" (locks[]), never ordered
      // against itself.
      if (kids.size() == 2 && clang_getCursorKind(strip(kids[1])) == CXCursor_IntegerLiteral) {
        auto tokens = tokens_of(strip(kids[1]));
        if (tokens.size() == 1)
          return lock_name{base->id + "[" + tokens[0] + "]", base->display + "[" + tokens[0] + "]"};
      }
      return lock_name{base->id + "[]", base->display + "[]"};
    }
    case CXCursor_CallExpr: {
      std::string name = spelling(c);
      auto args = call_args(c);
      if ((name == "operator[]" || name == "at") && !args.empty()) {
        auto kids = children(c);
        CXCursor object = name == "operator[]" ? args[0] : (kids.empty() ? c : kids[0]);
        if (name == "at" && clang_getCursorKind(object) == CXCursor_MemberRefExpr) {
          auto inner = children(object);
          if (inner.empty()) return std::nullopt;
          object = inner[0];
        }
        auto base = lock_of(object);
        if (!base) return std::nullopt;
        return lock_name{base->id + "[]", base->display + "[]"};
      }
      // *ptr and ptr-> on a smart pointer: the lock is named after the pointer.
      if ((name == "operator*" || name == "operator->") && !args.empty()) return lock_of(args[0]);
      CXCursor d = clang_getCursorReferenced(c);
      if (is_null(d)) return std::nullopt;
      return lock_name{"call:" + usr(d), qualified_name(d) + "()"};
    }
    case CXCursor_CXXThisExpr: {
      CXCursor cls = clang_getCursorSemanticParent(decl_);
      return lock_name{"this:" + usr(cls), qualified_name(cls)};
    }
    default:
      return std::nullopt;
  }
}

void body_walker::acquire(const std::vector<lock_name>& locks, const std::string& holder, bool shared,
                          bool try_lock, const location& where) {
  if (state_.unreachable) return;  // dead code takes no lock
  held_set before = state_.snapshot();
  std::vector<held_lock> held_before = state_.held_locks();
  int group = locks.size() > 1 ? next_group_++ : -1;
  for (const auto& l : locks) {
    fn_.acquisitions.push_back(
        acquisition_fact{l, where, before, try_lock, shared, group, held_before, state_.after_call()});
  }
  for (const auto& l : locks) state_.add(l, holder, shared, !try_lock, where);
}

void body_walker::declare_guard(CXCursor var, CXCursor init, const type_facts& guard_type) {
  std::string id = usr(var);
  guard_info info;
  info.shared = guard_type.shared_capable;
  enum class mode { lock, defer, try_lock, adopt } m = mode::lock;
  std::string moved_from;
  bool reader_lock_arg = false;  // a lockable with a reader mode is passed
  bool false_flag = false;       // a literal `false` is passed
  CXCursor call = is_null(init) ? init : strip(init);
  // `auto lk = std::unique_lock(m)` and `std::lock_guard lk{m}` wrap the
  // constructor call in casts or temporaries: look for the innermost constructor.
  while (!is_null(call) && clang_getCursorKind(call) != CXCursor_CallExpr) {
    auto kids = children(call);
    if (kids.size() != 1) break;
    call = strip(kids[0]);
  }
  if (!is_null(call) && clang_getCursorKind(call) == CXCursor_CallExpr) {
    for (CXCursor arg : call_args(call)) {
      CXType t = clang_getCursorType(arg);
      std::string tn = base_type_name(t);
      if (tn == "std::defer_lock_t") {
        m = mode::defer;
      } else if (tn == "std::try_to_lock_t") {
        m = mode::try_lock;
      } else if (tn == "std::adopt_lock_t") {
        m = mode::adopt;
      } else if (type_facts lf = tu_.types.classify(t); lf.role == type_role::mutex) {
        if (auto l = lock_of(arg)) info.locks.push_back(*l);
        reader_lock_arg |= lf.shared_capable;
      } else if (clang_getCursorKind(strip(arg)) == CXCursor_CXXBoolLiteralExpr) {
        auto tokens = tokens_of(strip(arg));
        false_flag |= tokens.size() == 1 && tokens[0] == "false";
      } else if (tu_.types.classify(t).role == type_role::guard) {
        // Move construction from another guard takes over its holds.
        CXCursor a = strip(arg);
        if (clang_getCursorKind(a) == CXCursor_CallExpr && call_args(a).size() == 1)
          a = strip(call_args(a)[0]);
        if (clang_getCursorKind(a) == CXCursor_DeclRefExpr) moved_from = usr(clang_getCursorReferenced(a));
      } else {
        walk_expr(arg);
      }
    }
  }
  // A user guard of a reader/writer lock told `false` (Kyoto Cabinet's
  // ScopedRWLock(&lock, writer)) takes the reader side: `true`, or a flag
  // only known at run time, is taken as the writer side.
  if (reader_lock_arg && false_flag) info.shared = true;
  location where = location_of(var);
  if (!moved_from.empty()) {
    if (auto g = guards_.find(moved_from); g != guards_.end()) info = g->second;
    state_.change_holder(moved_from, id);
  } else if (!info.locks.empty()) {
    switch (m) {
      case mode::lock:
        acquire(info.locks, id, info.shared, false, where);
        break;
      case mode::try_lock:
        acquire(info.locks, id, info.shared, true, where);
        break;
      case mode::defer:
        break;
      case mode::adopt:
        for (const auto& l : info.locks) {
          state_.release(l.id);
          state_.add(l, id, info.shared, true, where);
        }
        break;
    }
  }
  guards_[id] = info;
  if (!scopes_.empty()) scopes_.back().push_back(id);
}

void body_walker::release(const lock_name& lock) {
  // Releasing a lock this body never took: the caller holds it on entry (an
  // unlock() wrapper, a RELEASE function). Treat it as required, so the
  // accesses of this body count as protected by it.
  // (Only for unprotected-write: for lock order the lock is not held after
  // the release, so it must not become the source of edges.)
  auto& list = fn_.released_unheld;
  if (!state_.release(lock.id) && std::find(list.begin(), list.end(), lock) == list.end()) {
    list.push_back(lock);
    std::sort(list.begin(), list.end());
  }
}

bool body_walker::annotated_lock_call(CXCursor referenced, const location& where) {
  bool handled = false;
  // The annotation is usually written on the first declaration (in a header)
  // while lookup finds the definition, which inherits the attribute but not
  // its spelled arguments: read those from the first declaration.
  CXCursor callee = referenced;
  CXCursor first = clang_getCanonicalCursor(referenced);
  for (const auto& attr : tu_context::attributes(callee)) {
    bool shared = attr.find("shared") != std::string::npos;
    bool acquires = attr == "acquire_capability" || attr == "exclusive_lock_function" ||
                    attr == "acquire_shared_capability" || attr == "shared_lock_function";
    bool releases = attr == "release_capability" || attr == "unlock_function" ||
                    attr == "release_shared_capability" || attr == "release_generic_capability";
    if (!acquires && !releases) continue;
    CXCursor parent = clang_getCursorSemanticParent(callee);
    CXCursorKind pk = clang_getCursorKind(parent);
    bool in_class = pk == CXCursor_ClassDecl || pk == CXCursor_StructDecl || pk == CXCursor_ClassTemplate;
    // ACQUIRE() without arguments on a method means the object itself: the
    // lockable-by-shape path handles that; here only named locks count.
    auto locks = tu_.annotation_locks(callee, in_class ? parent : clang_getNullCursor(), attr);
    if (locks.empty()) locks = tu_.annotation_locks(first, in_class ? parent : clang_getNullCursor(), attr);
    if (locks.empty()) continue;
    if (acquires) {
      acquire(locks, "", shared, false, where);
    } else {
      for (const auto& l : locks) release(l);
    }
    handled = true;
  }
  return handled;
}

bool body_walker::mutex_method(CXCursor object, const std::string& name, const std::vector<CXCursor>& args,
                               const location& where) {
  lock_op op = lock_op_of(name);
  if (op == lock_op::none) return false;
  auto lock = lock_of(object);
  if (!lock) return false;
  // A slotted lock: lock(idx) takes one slot, lock_all() every slot. Both
  // name "some slot" (obj[]), as a lock array indexed by a variable does, so
  // code under lock_all() and code under lock(i) count as holding one lock.
  bool one_slot = false;
  for (CXCursor a : args) {
    CXTypeKind k = clang_getCanonicalType(clang_getCursorType(a)).kind;
    one_slot |= k >= CXType_Char_U && k <= CXType_Int128 && k != CXType_Bool;
  }
  if (one_slot || acts_on_all_slots(name)) *lock = lock_name{lock->id + "[]", lock->display + "[]"};
  switch (op) {
    case lock_op::lock:
      acquire({*lock}, "", false, false, where);
      break;
    case lock_op::lock_shared:
      acquire({*lock}, "", true, false, where);
      break;
    case lock_op::try_lock:
      acquire({*lock}, "", false, true, where);
      break;
    case lock_op::try_lock_shared:
      acquire({*lock}, "", true, true, where);
      break;
    case lock_op::unlock:
      release(*lock);
      break;
    case lock_op::none:
      return false;
  }
  return true;
}

bool body_walker::guard_method(CXCursor object, const std::string& name, const location& where) {
  CXCursor o = strip(object);
  if (clang_getCursorKind(o) != CXCursor_DeclRefExpr) return false;
  std::string id = usr(clang_getCursorReferenced(o));
  auto g = guards_.find(id);
  if (g == guards_.end()) return false;
  if (name == "lock") {
    acquire(g->second.locks, id, g->second.shared, false, where);
  } else if (name.rfind("try_lock", 0) == 0) {
    acquire(g->second.locks, id, g->second.shared, true, where);
  } else if (name == "unlock") {
    state_.release_holder(id);
  } else if (name == "release") {
    state_.change_holder(id, "");
  } else if (name == "swap" || name == "operator=") {
    return false;
  }
  return true;
}

bool body_walker::pthread_call(const std::string& name, const std::vector<CXCursor>& args,
                               const location& where) {
  static const char* const acquiring[] = {"pthread_mutex_lock", "pthread_rwlock_wrlock",
                                          "pthread_rwlock_rdlock", "pthread_spin_lock"};
  static const char* const trying[] = {"pthread_mutex_trylock",      "pthread_mutex_timedlock",
                                       "pthread_rwlock_trywrlock",   "pthread_rwlock_tryrdlock",
                                       "pthread_rwlock_timedwrlock", "pthread_rwlock_timedrdlock",
                                       "pthread_spin_trylock"};
  static const char* const releasing[] = {"pthread_mutex_unlock", "pthread_rwlock_unlock",
                                          "pthread_spin_unlock"};
  auto in = [&](const auto& list) {
    return std::any_of(std::begin(list), std::end(list), [&](const char* n) { return name == n; });
  };
  bool acq = in(acquiring), tr = in(trying), rel = in(releasing);
  if (!(acq || tr || rel) || args.empty()) return false;
  auto lock = lock_of(args[0]);
  if (!lock) return false;
  bool shared = name.find("rdlock") != std::string::npos;
  if (rel) {
    release(*lock);
  } else {
    acquire({*lock}, "", shared, tr, where);
  }
  return true;
}

body_walker::cond_effect body_walker::analyze_condition(CXCursor cond) {
  cond_effect e;
  CXCursor c = strip(cond);
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_LNot) {
    auto kids = children(c);
    if (kids.size() != 1) return e;
    e = analyze_condition(kids[0]);
    e.positive = !e.positive;
    return e;
  }
  if (k == CXCursor_BinaryOperator) {
    // pthread_*trylock(...) == 0 / != 0
    auto kind = clang_getCursorBinaryOperatorKind(c);
    auto kids = children(c);
    if ((kind != CXBinaryOperator_EQ && kind != CXBinaryOperator_NE) || kids.size() != 2) return e;
    CXCursor rhs = strip(kids[1]);
    if (clang_getCursorKind(rhs) != CXCursor_IntegerLiteral) return e;
    e = analyze_condition(kids[0]);
    // A pthread trylock returns 0 on success: "== 0" is the taken branch.
    if (kind == CXBinaryOperator_EQ) e.positive = !e.positive;
    return e;
  }
  if (k == CXCursor_DeclRefExpr) {
    std::string id = usr(clang_getCursorReferenced(c));
    if (guards_.count(id) != 0) {
      e.what = cond_effect::kind::guard;
      e.guard = id;
    }
    return e;
  }
  if (k != CXCursor_CallExpr) return e;
  std::string name = spelling(c);
  auto kids = children(c);
  auto args = call_args(c);
  if (name.find("trylock") != std::string::npos && name.rfind("pthread_", 0) == 0 && !args.empty()) {
    if (auto l = lock_of(args[0])) {
      e.what = cond_effect::kind::try_mutex;
      e.lock = *l;
      e.shared = name.find("rdlock") != std::string::npos;
      e.positive = false;  // nonzero = failure; flipped by "== 0"
      e.where = location_of(c);
    }
    return e;
  }
  if (kids.empty() || clang_getCursorKind(kids[0]) != CXCursor_MemberRefExpr) {
    // operator bool on a guard: `if (lk)` is a call in some ASTs.
    if (name == "operator bool" && !args.empty()) return analyze_condition(args[0]);
    return e;
  }
  auto member_kids = children(kids[0]);
  if (member_kids.empty()) return e;
  CXCursor object = member_kids[0];
  type_facts role = tu_.types.classify(clang_getCursorType(object));
  if (role.role == type_role::guard &&
      (name == "owns_lock" || name == "operator bool" || name.rfind("try_lock", 0) == 0)) {
    CXCursor o = strip(object);
    if (clang_getCursorKind(o) != CXCursor_DeclRefExpr) return e;
    e.what = cond_effect::kind::guard;
    e.guard = usr(clang_getCursorReferenced(o));
    if (name.rfind("try_lock", 0) == 0) {
      auto g = guards_.find(e.guard);
      if (g != guards_.end()) {
        // May-held until the branch that tested the result (apply_condition).
        acquire(g->second.locks, e.guard, g->second.shared, true, location_of(c));
      }
    }
    return e;
  }
  lock_op op = lock_op_of(name);
  if (role.role == type_role::mutex && (op == lock_op::try_lock || op == lock_op::try_lock_shared)) {
    if (auto l = lock_of(object)) {
      e.what = cond_effect::kind::try_mutex;
      e.lock = *l;
      e.shared = op == lock_op::try_lock_shared;
      e.where = location_of(c);
    }
  }
  return e;
}

void body_walker::apply_condition(const cond_effect& e, bool branch_true) {
  bool taken = branch_true == e.positive;
  switch (e.what) {
    case cond_effect::kind::none:
      return;
    case cond_effect::kind::try_mutex:
      if (taken) {
        // The acquisition is recorded once (on the taken branch), as a try.
        held_set before = state_.snapshot();
        fn_.acquisitions.push_back(acquisition_fact{e.lock, e.where, before, true, e.shared, -1,
                                                    state_.held_locks(), state_.after_call()});
        state_.add(e.lock, "", e.shared, true, e.where);
      }
      return;
    case cond_effect::kind::guard:
      if (taken) {
        if (state_.holds_via(e.guard)) {
          state_.set_holder_must(e.guard);
        } else if (auto g = guards_.find(e.guard); g != guards_.end()) {
          for (const auto& l : g->second.locks) state_.add(l, e.guard, g->second.shared, true);
        }
      } else {
        state_.release_holder(e.guard);
      }
      return;
  }
}

}  // namespace concheck::analyzer::detail
