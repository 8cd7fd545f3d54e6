// Lock instances and recursion (see ast_lock_identity.hpp).
#include "ast_lock_identity.hpp"

#include <map>

#include "ast_util.hpp"

namespace concheck::analyzer::detail {

namespace {

bool global_var(CXCursor d) {
  return clang_getCursorKind(d) == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(d) == 1;
}

// The object a member expression is taken from: "this" when implicit.
std::string base_path(CXCursor member) {
  auto kids = children(member);
  if (kids.empty()) return "this";
  return object_path(kids[0]);
}

bool recursive_token(const std::string& token) {
  return token == "PTHREAD_MUTEX_RECURSIVE" || token == "PTHREAD_MUTEX_RECURSIVE_NP" ||
         token == "PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP" || token == "recursive_mutex" ||
         token == "recursive_timed_mutex";
}

bool mentions_recursion(CXCursor c) {
  for (const auto& token : tokens_of(c)) {
    if (recursive_token(token)) return true;
  }
  return false;
}

// A user lock class that makes its mutex recursive where the analyzer can see
// it: PTHREAD_MUTEX_RECURSIVE in its definition or in a constructor defined in
// this TU (zmq::mutex_t), or a std::recursive_mutex member. Cached by USR
// (per worker thread: the answer is the same in every TU that sees the class).
bool recursive_class(CXType t) {
  CXCursor decl = class_decl_of(t);
  if (is_null(decl)) return false;
  CXCursor def = clang_getCursorDefinition(decl);
  if (is_null(def)) return false;
  thread_local std::map<std::string, bool> cache;
  std::string id = usr(def);
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  bool recursive = mentions_recursion(def);
  for (CXCursor m : children(def)) {
    if (recursive) break;
    if (clang_getCursorKind(m) != CXCursor_Constructor) continue;
    CXCursor body = clang_getCursorDefinition(m);
    if (!is_null(body) && !clang_equalCursors(body, m)) recursive = mentions_recursion(body);
  }
  cache[id] = recursive;
  return recursive;
}

}  // namespace

std::string object_path(CXCursor object) {
  CXCursor c = strip(object);
  switch (clang_getCursorKind(c)) {
    case CXCursor_CXXThisExpr:
      return "this";
    case CXCursor_DeclRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      CXCursorKind dk = clang_getCursorKind(d);
      if (dk != CXCursor_VarDecl && dk != CXCursor_ParmDecl) return "";
      return usr(d);
    }
    case CXCursor_MemberRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      if (is_null(d)) return "";
      if (clang_getCursorKind(d) == CXCursor_VarDecl) return usr(d);  // a static member
      if (clang_getCursorKind(d) != CXCursor_FieldDecl) return "";
      std::string base = base_path(c);
      return base.empty() ? "" : base + "." + spelling(d);
    }
    case CXCursor_UnaryOperator: {  // *p
      auto kids = children(c);
      return kids.size() == 1 ? object_path(kids[0]) : "";
    }
    case CXCursor_CallExpr: {  // smart pointers: p->x, *p
      std::string name = spelling(c);
      int n = clang_Cursor_getNumArguments(c);
      if ((name == "operator->" || name == "operator*") && n >= 1)
        return object_path(clang_Cursor_getArgument(c, 0));
      return "";
    }
    default:
      return "";
  }
}

std::string lock_instance(CXCursor lock_expr) {
  CXCursor c = strip(lock_expr);
  switch (clang_getCursorKind(c)) {
    case CXCursor_DeclRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      if (global_var(d)) return "global";
      return object_path(c);
    }
    case CXCursor_MemberRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      if (is_null(d)) return "";
      if (global_var(d)) return "global";  // a static member
      std::string base = base_path(c);
      // A lock reached through a pointer or reference member (`*mu_`) is not
      // part of the object: it is the object that member points at.
      CXTypeKind field = clang_getCanonicalType(clang_getCursorType(d)).kind;
      bool indirect =
          field == CXType_Pointer || field == CXType_LValueReference || field == CXType_RValueReference;
      return indirect && !base.empty() ? base + "." + spelling(d) : base;
    }
    case CXCursor_UnaryOperator: {  // &m, *pm
      auto kids = children(c);
      return kids.size() == 1 ? lock_instance(kids[0]) : "";
    }
    case CXCursor_CXXThisExpr:
      return "this";
    case CXCursor_CallExpr: {
      std::string name = spelling(c);
      int n = clang_Cursor_getNumArguments(c);
      // The lock a smart pointer points at: the pointer's pointee, not the
      // pointer's holder.
      if ((name == "operator->" || name == "operator*") && n >= 1)
        return object_path(clang_Cursor_getArgument(c, 0));
      return "";
    }
    default:
      return "";
  }
}

bool recursive_lock(CXCursor lock_expr) {
  CXCursor c = strip(lock_expr);
  CXType t = clang_getCursorType(c);
  if (t.kind == CXType_Pointer) t = clang_getPointeeType(t);
  std::string type = base_type_name(t);
  for (const char* word : {"recursive", "Recursive", "Reentrant", "reentrant"}) {
    if (type.find(word) != std::string::npos) return true;
  }
  if (type != "pthread_mutex_t") return !in_system_header(clang_getTypeDeclaration(t)) && recursive_class(t);
  // A pthread mutex: recursive unless its declaration says otherwise.
  while (clang_getCursorKind(c) == CXCursor_UnaryOperator) {
    auto kids = children(c);
    if (kids.size() != 1) return true;
    c = strip(kids[0]);
  }
  CXCursor d = clang_getCursorReferenced(c);
  if (is_null(d)) return true;
  for (const auto& token : tokens_of(d)) {
    if (token == "PTHREAD_MUTEX_INITIALIZER") return false;
  }
  return true;
}

}  // namespace concheck::analyzer::detail
