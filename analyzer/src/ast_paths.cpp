// Calls that never return (see ast_paths.hpp).
#include "ast_paths.hpp"

#include <algorithm>
#include <string_view>

#include "ast_util.hpp"

namespace concheck::analyzer::detail {

namespace {

constexpr int kMaxDepth = 64;  // nesting followed in a body, and callees followed from one call

bool library_never_returns(const std::string& name, const std::string& qualified) {
  static const char* const names[] = {"abort",          "exit",
                                      "_Exit",          "_exit",
                                      "quick_exit",     "longjmp",
                                      "siglongjmp",     "pthread_exit",
                                      "__assert_fail",  "__assert_perror_fail",
                                      "__builtin_trap", "__builtin_unreachable",
                                      "__cxa_throw",    "__cxa_rethrow"};
  bool global_or_std = qualified == name || qualified == "std::" + name;
  if (global_or_std &&
      std::any_of(std::begin(names), std::end(names), [&](const char* n) { return name == n; }))
    return true;
  if (qualified == "std::terminate" || qualified == "std::rethrow_exception" ||
      qualified == "std::unreachable")
    return true;
  return qualified.rfind("std::__throw_", 0) == 0;
}

bool has_noreturn_attribute(CXCursor decl) {
  // GNU noreturn is a property of the function's type, not a declaration
  // attribute: the type's spelling carries it.
  if (to_string(clang_getTypeSpelling(clang_getCursorType(decl))).find("noreturn") != std::string::npos)
    return true;
  for (CXCursor k : children(decl)) {
    CXCursorKind kk = clang_getCursorKind(k);
    if (kk != CXCursor_UnexposedAttr) continue;
    std::string name = attribute_name(k);
    if (name == "noreturn" || name == "__noreturn__" || name == "_Noreturn") return true;
  }
  return false;
}

bool has_return(CXCursor stmt, int depth) {
  if (depth > kMaxDepth) return true;
  CXCursorKind k = clang_getCursorKind(stmt);
  if (k == CXCursor_ReturnStmt) return true;
  if (k == CXCursor_LambdaExpr) return false;  // its returns are its own
  for (CXCursor c : children(stmt)) {
    if (has_return(c, depth + 1)) return true;
  }
  return false;
}

}  // namespace

bool noreturn_oracle::call_never_returns(CXCursor call) {
  CXCursor callee = clang_getCursorReferenced(call);
  if (is_null(callee)) return false;
  return never_returns(callee);
}

bool noreturn_oracle::never_returns(CXCursor callee) {
  CXCursorKind k = clang_getCursorKind(callee);
  if (k != CXCursor_FunctionDecl && k != CXCursor_CXXMethod && k != CXCursor_FunctionTemplate) return false;
  std::string id = usr(callee);
  if (id.empty()) return false;
  if (auto it = cache_.find(id); it != cache_.end()) return it->second == verdict::never;
  cache_[id] = verdict::in_progress;
  bool never = library_never_returns(spelling(callee), qualified_name(callee));
  CXCursor first = clang_getCanonicalCursor(callee);
  CXCursor def = clang_getCursorDefinition(callee);
  for (CXCursor d : {callee, first, def}) {
    if (!never && !is_null(d) && has_noreturn_attribute(d)) never = true;
  }
  if (!never && !is_null(def) && !in_system_header(def)) {
    CXCursor body = clang_getNullCursor();
    for (CXCursor c : children(def)) {
      if (clang_getCursorKind(c) == CXCursor_CompoundStmt) body = c;
    }
    never = !is_null(body) && !has_return(body, 0) && ends_every_path(body, 0);
  }
  cache_[id] = never ? verdict::never : verdict::returns;
  return never;
}

bool noreturn_oracle::ends_every_path(CXCursor stmt, int depth) {
  if (depth > kMaxDepth) return false;
  CXCursor s = strip(stmt);
  switch (clang_getCursorKind(s)) {
    case CXCursor_CompoundStmt:
      for (CXCursor c : children(s)) {
        if (ends_every_path(c, depth + 1)) return true;
      }
      return false;
    case CXCursor_CXXThrowExpr:
      return true;
    case CXCursor_CallExpr:
      return call_never_returns(s);
    case CXCursor_IfStmt: {
      auto kids = children(s);
      // [init] [var] cond then [else]: without an else, the last two are the
      // condition and the then-branch, and a condition always completes.
      return kids.size() >= 3 && ends_every_path(kids[kids.size() - 1], depth + 1) &&
             ends_every_path(kids[kids.size() - 2], depth + 1);
    }
    default:
      return false;
  }
}

}  // namespace concheck::analyzer::detail
