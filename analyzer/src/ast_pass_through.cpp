// Functions that hand back one of their arguments (see
// tu_context::returned_param): zeromq's `as_socket_base_t (void *s_)`, which
// checks a `void*` handle and returns it as a `socket_base_t*` or null.
//
// Contract: a function qualifies when its body is in sight in this
// translation unit (a user source, not a system header), it returns a
// pointer, and every return statement returns, under casts, null, parameter
// `k` itself, or a local pointer declared with parameter `k` as its value;
// neither that parameter nor such a local is given another value anywhere
// in the body (`=`, `+=`, `++`, its address taken or a reference bound to
// it). Then what a call returns is the argument it was passed (or null),
// and the call's result comes from where that argument does
// (ast_ownership.cpp, origin_of_arg). Anything else is -1. The result is
// cached per function: O(body) once.
#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

struct pass_scan {
  std::string param;               // USR of the parameter under test
  std::set<std::string> aliases;   // local pointers declared with it as their value
  std::vector<CXCursor> returned;  // the returned expressions
  std::set<std::string> changed;   // variables given another value somewhere
  bool bare_return = false;
};

// The USR of the variable or parameter `e` names, under casts, or "".
std::string passed_var(CXCursor e) {
  CXCursor x = strip_casts(e);
  if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) return "";
  CXCursor d = clang_getCursorReferenced(x);
  CXCursorKind k = clang_getCursorKind(d);
  return k == CXCursor_VarDecl || k == CXCursor_ParmDecl ? usr(d) : "";
}

CXChildVisitResult visit_pass(CXCursor c, CXCursor, CXClientData data) {
  auto& s = *static_cast<pass_scan*>(data);
  auto kids = children(c);
  switch (clang_getCursorKind(c)) {
    case CXCursor_LambdaExpr:
      return CXChildVisit_Continue;  // its returns are its own (what it changes is not followed: it
                                     // could capture by reference, so such a body does not qualify)
    case CXCursor_ReturnStmt:
      if (kids.size() == 1) {
        s.returned.push_back(kids[0]);
      } else {
        s.bare_return = true;
      }
      break;
    case CXCursor_VarDecl:
      if (clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Pointer) {
        CXCursor init = var_initializer(c);
        if (!is_null(init) && passed_var(init) == s.param) s.aliases.insert(usr(c));
      } else if (clang_getCursorType(c).kind == CXType_LValueReference ||
                 clang_getCursorType(c).kind == CXType_RValueReference) {
        if (!kids.empty()) s.changed.insert(passed_var(kids.back()));  // T*& r = p
      }
      break;
    case CXCursor_BinaryOperator:
    case CXCursor_CompoundAssignOperator:
      if ((clang_getCursorKind(c) == CXCursor_CompoundAssignOperator ||
           clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) &&
          !kids.empty())
        s.changed.insert(passed_var(kids[0]));
      break;
    case CXCursor_UnaryOperator: {
      auto op = clang_getCursorUnaryOperatorKind(c);
      bool reads = op == CXUnaryOperator_Deref || op == CXUnaryOperator_LNot || op == CXUnaryOperator_Plus ||
                   op == CXUnaryOperator_Minus || op == CXUnaryOperator_Not;
      if (!reads && !kids.empty()) s.changed.insert(passed_var(kids[0]));  // ++p, &p
      break;
    }
    case CXCursor_CallExpr: {
      // Passed to a reference to non-const: the callee may change it.
      CXType callee = clang_getCursorType(clang_getCursorReferenced(c));
      int n = clang_Cursor_getNumArguments(c);
      for (int a = 0; a < n; ++a) {
        CXType t = clang_getArgType(callee, static_cast<unsigned>(a));
        bool by_ref =
            t.kind == CXType_Invalid || t.kind == CXType_RValueReference ||
            (t.kind == CXType_LValueReference && clang_isConstQualifiedType(clang_getPointeeType(t)) == 0);
        if (by_ref) s.changed.insert(passed_var(clang_Cursor_getArgument(c, static_cast<unsigned>(a))));
      }
      break;
    }
    default:
      break;
  }
  return CXChildVisit_Recurse;
}

int scan_returned_param(CXCursor def, bool (*is_null_pointer)(CXCursor)) {
  if (clang_getCanonicalType(clang_getCursorResultType(def)).kind != CXType_Pointer) return -1;
  CXCursor body = clang_getNullCursor();
  for (CXCursor k : children(def)) {
    if (clang_getCursorKind(k) == CXCursor_CompoundStmt) body = k;
  }
  if (is_null(body)) return -1;
  int n = clang_Cursor_getNumArguments(def);
  for (int i = 0; i < n; ++i) {
    CXCursor parm = clang_Cursor_getArgument(def, static_cast<unsigned>(i));
    if (clang_getCanonicalType(clang_getCursorType(parm)).kind != CXType_Pointer) continue;
    pass_scan s;
    s.param = usr(parm);
    clang_visitChildren(body, visit_pass, &s);
    if (s.bare_return || s.returned.empty() || s.changed.count(s.param) != 0) continue;
    bool all = true;
    for (CXCursor r : s.returned) {
      if (is_null_pointer(r)) continue;
      std::string v = passed_var(r);
      all = all && (v == s.param || (s.aliases.count(v) != 0 && s.changed.count(v) == 0));
    }
    if (all) return i;
  }
  return -1;
}

}  // namespace

int tu_context::returned_param(CXCursor callee, bool (*is_null_pointer)(CXCursor)) {
  if (is_null(callee)) return -1;
  CXCursorKind k = clang_getCursorKind(callee);
  if (k != CXCursor_FunctionDecl && !(k == CXCursor_CXXMethod && clang_CXXMethod_isStatic(callee) != 0))
    return -1;
  std::string id = usr(callee);
  if (id.empty()) return -1;
  if (auto it = returned_params_.find(id); it != returned_params_.end()) return it->second;
  CXCursor def = clang_getCursorDefinition(callee);
  int index = is_null(def) || in_system_header(def) ? -1 : scan_returned_param(def, is_null_pointer);
  returned_params_.emplace(id, index);
  return index;
}

}  // namespace concheck::analyzer::detail
