#include "ast_types.hpp"

#include <array>
#include <cctype>
#include <string_view>

#include "ast_util.hpp"
#include "lock_names.hpp"

namespace concheck::analyzer::detail {

namespace {

// The last component of a qualified name when it is in namespace `ns`.
bool in_namespace(std::string_view name, std::string_view ns, std::string_view* last) {
  if (name.substr(0, ns.size()) != ns || name.size() <= ns.size() + 2 || name.substr(ns.size(), 2) != "::")
    return false;
  auto pos = name.rfind("::");
  *last = name.substr(pos + 2);
  return true;
}

type_facts known_type(std::string_view name) {
  std::string_view last;
  bool in_std = in_namespace(name, "std", &last);
  bool in_concheck = !in_std && in_namespace(name, "concheck", &last);
  if (in_std || in_concheck) {
    if (one_of(last, {"mutex", "recursive_mutex", "timed_mutex", "recursive_timed_mutex"}))
      return {type_role::mutex, false};
    if (one_of(last, {"shared_mutex", "shared_timed_mutex"})) return {type_role::mutex, true};
    if (one_of(last, {"lock_guard", "unique_lock", "scoped_lock"})) return {type_role::guard, false};
    if (last == "shared_lock") return {type_role::guard, true};
    if (one_of(last, {"condition_variable", "condition_variable_any"})) return {type_role::condvar, false};
    if (last == "thread") return {type_role::thread, false};
    if (last == "jthread") return {type_role::jthread, false};
    if (one_of(last, {"atomic", "atomic_flag", "atomic_ref"})) return {type_role::atomic, false};
    if (in_std &&
        one_of(last, {"vector", "deque", "list", "forward_list", "map", "multimap", "set", "multiset",
                      "unordered_map", "unordered_multimap", "unordered_set", "unordered_multiset",
                      "basic_string", "string", "queue", "stack", "priority_queue"})) {
      return {type_role::container, false};
    }
    return {};
  }
  if (one_of(name, {"pthread_mutex_t", "pthread_spinlock_t"})) return {type_role::mutex, false};
  if (name == "pthread_rwlock_t") return {type_role::mutex, true};
  if (name == "pthread_cond_t") return {type_role::condvar, false};
  return {};
}

struct class_shape {
  bool has_lock = false;
  bool has_unlock = false;
  bool has_shared_lock = false;  // lock_shared, lock_reader, rdlock...
  bool lock_body_locks = false;  // a visible acquiring body takes a lock (or spins on an atomic)
  bool lock_body_inert = false;  // a visible acquiring body does nothing lock-like
  bool other_data = false;       // a field that is not lock state (see holds_only_lock_state)
  bool dtor_unlocks = false;
  bool dtor_body_unknown = false;  // declared, but its body is not in this TU
  bool has_ctor = false;
  bool capability_attr = false;
  bool scoped_attr = false;
};

// Names of the calls made anywhere in `body`.
std::vector<std::string> calls_in(CXCursor body) {
  std::vector<std::string> names;
  clang_visitChildren(
      body,
      [](CXCursor c, CXCursor, CXClientData data) {
        if (clang_getCursorKind(c) == CXCursor_CallExpr)
          static_cast<std::vector<std::string>*>(data)->push_back(spelling(c));
        return CXChildVisit_Recurse;
      },
      &names);
  return names;
}

bool body_calls_unlock(CXCursor body) {
  for (const auto& n : calls_in(body)) {
    if (unlock_like_call(n)) return true;
  }
  return false;
}

// The body of a function's definition, or a null cursor when it is not in
// this translation unit (defined in another file, or skipped).
CXCursor body_of(CXCursor fn) {
  CXCursor def = clang_getCursorDefinition(fn);
  if (is_null(def)) return clang_getNullCursor();
  for (CXCursor part : children(def)) {
    if (clang_getCursorKind(part) == CXCursor_CompoundStmt) return part;
  }
  return clang_getNullCursor();
}

// A field a lock wrapper may hold besides nothing: the lock it wraps, an
// opaque handle (void*), an atomic or integral state word (spin flag, reader
// count, owner id), or an array of those.
bool holds_only_lock_state(CXType t, type_classifier& types) {
  // pthread's attribute and thread-id types (a recursive mutex's attributes,
  // its owner) and std::thread::id are lock state too.
  std::string name = base_type_name(t);
  if (name.rfind("pthread_", 0) == 0 || name == "std::thread::id") return true;
  CXType c = clang_getCanonicalType(t);
  if (c.kind == CXType_ConstantArray || c.kind == CXType_IncompleteArray)
    return holds_only_lock_state(clang_getArrayElementType(c), types);
  if (c.kind == CXType_Pointer) {
    CXType pointee = clang_getCanonicalType(clang_getPointeeType(c));
    if (pointee.kind == CXType_Void) return true;
    type_role r = types.classify(pointee).role;
    return r == type_role::mutex || r == type_role::condvar;
  }
  if ((c.kind >= CXType_Bool && c.kind <= CXType_Int128) || c.kind == CXType_Enum) return true;
  type_role r = types.classify(t).role;
  return r == type_role::mutex || r == type_role::condvar || r == type_role::atomic;
}

// What the visible body of an acquiring method says: it locks (a lock-like
// call and no unlock), or it is inert: it calls nothing but operators (a
// counter), or it locks and unlocks again (not an acquisition). A body that
// calls something else (`cv_.wait(lk)` in a mutex built on a condition
// variable, a helper) decides nothing: the names and fields do.
void judge_acquire_body(CXCursor method, class_shape& shape) {
  CXCursor body = body_of(method);
  if (is_null(body)) return;
  bool locks = false, unlocks = false, other_calls = false;
  for (const auto& n : calls_in(body)) {
    locks |= lock_like_call(n);
    unlocks |= unlock_like_call(n);
    other_calls |= !n.empty() && n.rfind("operator", 0) != 0;
  }
  if (locks && !unlocks) {
    shape.lock_body_locks = true;
  } else if (unlocks || !other_calls) {
    shape.lock_body_inert = true;
  }
}

}  // namespace

bool type_classifier::mutates_container(const std::string& m) {
  return one_of(m,
                {"push_back", "emplace_back",     "push_front",  "emplace_front", "pop_back",     "pop_front",
                 "insert",    "insert_or_assign", "try_emplace", "emplace",       "emplace_hint", "erase",
                 "clear",     "resize",           "reserve",     "assign",        "swap",         "push",
                 "pop",       "append",           "replace",     "merge",         "splice",       "sort",
                 "remove",    "remove_if",        "unique",      "extract",       "shrink_to_fit"});
}

type_facts type_classifier::classify(CXType t) {
  if (t.kind == CXType_Atomic) return {type_role::atomic, false};
  std::string spelled = base_type_name(t);
  // Typedef names first: pthread types are typedefs of anonymous unions.
  CXType stripped = t;
  while (stripped.kind == CXType_LValueReference || stripped.kind == CXType_RValueReference ||
         stripped.kind == CXType_Pointer || stripped.kind == CXType_Elaborated) {
    stripped = stripped.kind == CXType_Elaborated ? clang_Type_getNamedType(stripped)
                                                  : clang_getPointeeType(stripped);
  }
  if (stripped.kind == CXType_Typedef) {
    std::string tn = to_string(clang_getTypedefName(stripped));
    if (auto f = known_type(tn); f.role != type_role::none) return f;
  }
  if (stripped.kind == CXType_ConstantArray || stripped.kind == CXType_IncompleteArray) {
    return classify(clang_getArrayElementType(stripped));
  }
  if (auto f = known_type(spelled); f.role != type_role::none) return f;
  CXCursor decl = class_decl_of(t);
  if (is_null(decl)) return {};
  CXCursorKind k = clang_getCursorKind(decl);
  if (k != CXCursor_ClassDecl && k != CXCursor_StructDecl && k != CXCursor_ClassTemplate) return {};
  // Classes of the standard library are known by name above; other library
  // classes (absl::Mutex, boost::mutex) are recognized by shape like user code.
  if (in_system_header(decl) && spelled.rfind("std::", 0) == 0) return {};
  std::string key = usr(decl);
  if (auto it = user_classes_.find(key); it != user_classes_.end()) return it->second;
  user_classes_[key] = {};  // guards recursion through member types
  type_facts f = classify_user_class(decl);
  user_classes_[key] = f;
  return f;
}

type_facts type_classifier::classify_user_class(CXCursor decl) {
  class_shape shape;
  CXCursor definition = clang_getCursorDefinition(decl);
  if (is_null(definition)) return {};
  for (CXCursor member : children(definition)) {
    CXCursorKind k = clang_getCursorKind(member);
    std::string name = spelling(member);
    if (k == CXCursor_UnexposedAttr) {
      std::string attr = attribute_name(member);
      if (attr == "capability" || attr == "lockable" || attr == "shared_capability")
        shape.capability_attr = true;
      if (attr == "scoped_lockable") shape.scoped_attr = true;
    } else if (k == CXCursor_CXXMethod || k == CXCursor_FunctionTemplate) {
      lock_op op = lock_op_of(name);
      CXTypeKind result = clang_getCanonicalType(clang_getCursorResultType(member)).kind;
      // An acquisition returns nothing or a success flag (`Acquire()`
      // returning a pooled object is not one).
      bool plain = result == CXType_Void || result == CXType_Bool || result == CXType_Int;
      if (plain && (op == lock_op::lock || op == lock_op::lock_shared)) {
        shape.has_lock = true;
        shape.has_shared_lock |= op == lock_op::lock_shared;
        judge_acquire_body(member, shape);
      }
      if (plain && op == lock_op::unlock) shape.has_unlock = true;
    } else if (k == CXCursor_FieldDecl) {
      if (!holds_only_lock_state(clang_getCursorType(member), *this)) shape.other_data = true;
    } else if (k == CXCursor_Constructor) {
      for (CXCursor param : children(member)) {
        if (clang_getCursorKind(param) == CXCursor_ParmDecl && is_lockable(clang_getCursorType(param)))
          shape.has_ctor = true;
      }
    } else if (k == CXCursor_Destructor) {
      CXCursor def = clang_getCursorDefinition(member);
      bool has_body = false;
      if (!is_null(def)) {
        for (CXCursor part : children(def)) has_body |= clang_getCursorKind(part) == CXCursor_CompoundStmt;
      }
      if (has_body && body_calls_unlock(def)) shape.dtor_unlocks = true;
      if (!has_body) shape.dtor_body_unknown = true;
    }
  }
  if (shape.scoped_attr || (shape.has_ctor && shape.dtor_unlocks)) return {type_role::guard, false};
  // The destructor's body may be out of sight (defined in another file, or
  // skipped: the CLI parses header bodies separately). Then a class whose
  // constructor takes a lock and whose name says it is a guard or a lock
  // holder is taken to be one.
  if (shape.has_ctor && shape.dtor_body_unknown) {
    std::string name = spelling(decl);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name.find("guard") != std::string::npos || name.find("lock") != std::string::npos ||
        name.find("holder") != std::string::npos) {
      return {type_role::guard, false};
    }
  }
  if (shape.capability_attr) return {type_role::mutex, shape.has_shared_lock};
  if (!shape.has_lock || !shape.has_unlock) return {};
  // Lock-named methods: a visible body decides (one that locks makes the
  // class a lock; bodies that do nothing lock-like make it not one). With no
  // body in sight, the names decide on a class that holds only lock state.
  if (shape.lock_body_locks) return {type_role::mutex, shape.has_shared_lock};
  if (shape.lock_body_inert || shape.other_data) return {};
  return {type_role::mutex, shape.has_shared_lock};
}

}  // namespace concheck::analyzer::detail
