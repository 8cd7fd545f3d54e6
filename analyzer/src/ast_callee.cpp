// The summary key of a called function (ast_callee.hpp).
#include "ast_callee.hpp"

#include "ast_util.hpp"

namespace concheck::analyzer::detail {

namespace {

bool same_location(CXCursor a, CXCursor b) {
  return !is_null(a) && !is_null(b) &&
         clang_equalLocations(clang_getCursorLocation(a), clang_getCursorLocation(b)) != 0;
}

}  // namespace

std::string callee_id(CXCursor callee) {
  CXCursorKind k = clang_getCursorKind(callee);
  if (k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod) {
    CXCursor tmpl = clang_getSpecializedCursorTemplate(callee);
    if (!is_null(tmpl) && clang_getCursorKind(tmpl) == CXCursor_FunctionTemplate &&
        (same_location(callee, tmpl) || same_location(callee, clang_getCursorDefinition(tmpl)) ||
         same_location(callee, clang_getCanonicalCursor(tmpl))))
      return usr(tmpl);
  }
  return usr(callee);
}

}  // namespace concheck::analyzer::detail
