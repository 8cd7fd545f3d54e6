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

// What the alias scan of one local needs: the local, and whether anything
// but its initializer gives it a value.
struct alias_scan {
  std::string var;
  bool reseated = false;
};

CXChildVisitResult find_reseat(CXCursor c, CXCursor parent, CXClientData data) {
  auto& s = *static_cast<alias_scan*>(data);
  if (s.reseated) return CXChildVisit_Break;
  if (clang_getCursorKind(c) != CXCursor_DeclRefExpr || usr(clang_getCursorReferenced(c)) != s.var)
    return CXChildVisit_Recurse;
  CXCursorKind pk = clang_getCursorKind(parent);
  if (pk == CXCursor_CompoundAssignOperator) {
    s.reseated = true;
  } else if (pk == CXCursor_BinaryOperator &&
             clang_getCursorBinaryOperatorKind(parent) == CXBinaryOperator_Assign) {
    auto kids = children(parent);
    s.reseated =
        !kids.empty() && clang_equalRanges(clang_getCursorExtent(kids[0]), clang_getCursorExtent(c)) != 0;
  } else if (pk == CXCursor_UnaryOperator) {
    auto op = clang_getCursorUnaryOperatorKind(parent);
    s.reseated = op == CXUnaryOperator_AddrOf || op == CXUnaryOperator_PreInc ||
                 op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PreDec ||
                 op == CXUnaryOperator_PostDec;
  }
  return CXChildVisit_Continue;
}

// Whether the local `var`, declared in `function`, keeps the value of its
// initializer: nothing assigns it, increments it or takes its address.
bool never_reseated(CXCursor function, CXCursor var) {
  CXCursor body = clang_getCursorDefinition(function);
  if (is_null(body)) return false;
  alias_scan s{usr(var)};
  clang_visitChildren(body, find_reseat, &s);
  return !s.reseated;
}

bool is_null_literal(CXCursor e) {
  CXCursorKind k = clang_getCursorKind(strip_casts(e));
  if (k == CXCursor_CXXNullPtrLiteralExpr || k == CXCursor_GNUNullExpr) return true;
  auto tokens = tokens_of(strip_casts(e));
  return tokens.size() == 1 && (tokens[0] == "0" || tokens[0] == "NULL" || tokens[0] == "nullptr");
}

// The parameter (its cursor) that `e` names under casts, or a null cursor.
CXCursor named_param(CXCursor e) {
  CXCursor c = strip_casts(e);
  if (clang_getCursorKind(c) != CXCursor_DeclRefExpr) return clang_getNullCursor();
  CXCursor d = clang_getCursorReferenced(c);
  return clang_getCursorKind(d) == CXCursor_ParmDecl ? d : clang_getNullCursor();
}

struct returns_scan {
  std::string param;
  bool only_param = true;
  int returns = 0;
};

bool is_param_value(CXCursor e, const std::string& param, int depth);

// A local whose initializer is the parameter (under casts) and that nothing
// reseats (`socket_base_t *s = static_cast<socket_base_t *>(s_);`).
bool local_of_param(CXCursor ref, const std::string& param, int depth) {
  CXCursor d = clang_getCursorReferenced(ref);
  if (clang_getCursorKind(d) != CXCursor_VarDecl || clang_Cursor_hasVarDeclGlobalStorage(d) == 1)
    return false;
  CXCursor init = var_initializer(d);
  return !is_null(init) && is_param_value(init, param, depth + 1) &&
         never_reseated(clang_getCursorSemanticParent(d), d);
}

bool is_param_value(CXCursor e, const std::string& param, int depth) {
  if (depth > 2) return false;
  CXCursor c = strip_casts(e);
  if (clang_getCursorKind(c) != CXCursor_DeclRefExpr) return false;
  CXCursor d = clang_getCursorReferenced(c);
  if (clang_getCursorKind(d) == CXCursor_ParmDecl) return usr(d) == param;
  return local_of_param(c, param, depth);
}

CXChildVisitResult find_returns(CXCursor c, CXCursor, CXClientData data) {
  auto& s = *static_cast<returns_scan*>(data);
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_LambdaExpr) return CXChildVisit_Continue;
  if (k != CXCursor_ReturnStmt) return CXChildVisit_Recurse;
  ++s.returns;
  auto kids = children(c);
  if (kids.size() != 1 || !(is_null_literal(kids[0]) || is_param_value(kids[0], s.param, 0)))
    s.only_param = false;
  return CXChildVisit_Continue;
}

// Whether the function `callee`, of one parameter, returns that parameter's
// object (or null) on every return: a checked cast (zeromq's
// `as_socket_base_t(void *s_)`). Cached by USR per worker thread.
bool returns_its_argument(CXCursor callee) {
  CXCursor def = clang_getCursorDefinition(callee);
  if (is_null(def) || clang_Cursor_getNumArguments(def) != 1) return false;
  thread_local std::map<std::string, bool> cache;
  std::string id = usr(def);
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  returns_scan s{usr(clang_Cursor_getArgument(def, 0))};
  clang_visitChildren(def, find_returns, &s);
  bool out = s.only_param && s.returns > 0;
  cache[id] = out;
  return out;
}

// The object a local pointer or reference stands for, when every value it
// has is the object of its initializer: a parameter (under casts), `this`,
// `*p`, or a call that returns its one argument's object. "" otherwise.
std::string alias_path(CXCursor var) {
  CXTypeKind t = clang_getCanonicalType(clang_getCursorType(var)).kind;
  if (t != CXType_Pointer && t != CXType_LValueReference && t != CXType_RValueReference) return "";
  CXCursor init = var_initializer(var);
  if (is_null(init)) return "";
  CXCursor c = strip_casts(init);
  std::string path;
  CXCursorKind k = clang_getCursorKind(c);
  if (!is_null(named_param(c))) {
    path = usr(named_param(c));
  } else if (k == CXCursor_CXXThisExpr) {
    path = "this";
  } else if (k == CXCursor_UnaryOperator) {
    auto kids = children(c);
    if (kids.size() == 1 && !is_null(named_param(kids[0]))) path = usr(named_param(kids[0]));
  } else if (k == CXCursor_CallExpr && clang_Cursor_getNumArguments(c) == 1) {
    CXCursor param = named_param(clang_Cursor_getArgument(c, 0));
    CXCursor callee = clang_getCursorReferenced(c);
    if (!is_null(param) && clang_getCursorKind(callee) == CXCursor_FunctionDecl &&
        returns_its_argument(callee))
      path = usr(param);
  }
  if (path.empty() || !never_reseated(clang_getCursorSemanticParent(var), var)) return "";
  return path;
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
      if (global_var(d)) return "global:" + usr(d);
      if (dk == CXCursor_VarDecl) {
        if (std::string alias = alias_path(d); !alias.empty()) return alias;
      }
      return usr(d);
    }
    case CXCursor_MemberRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      if (is_null(d)) return "";
      if (clang_getCursorKind(d) == CXCursor_VarDecl) return "global:" + usr(d);  // a static member
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
