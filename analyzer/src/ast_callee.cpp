// The summary key of a called function (ast_callee.hpp).
#include "ast_callee.hpp"

#include "ast_util.hpp"

namespace concheck::analyzer::detail {

namespace {

bool same_location(CXCursor a, CXCursor b) {
  return !is_null(a) && !is_null(b) &&
         clang_equalLocations(clang_getCursorLocation(a), clang_getCursorLocation(b)) != 0;
}

bool is_function(CXCursorKind k) {
  return k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod || k == CXCursor_FunctionTemplate;
}

// The declaration `c` is instantiated from, when `c` is an implicit
// instantiation of it (declared, and defined, where a declaration of it
// is); null otherwise. The call of an explicitly specialized member of a
// class template's specialization names the member as the class's
// instantiation declares it, where the template's member is: its
// definition, written elsewhere, tells it apart.
CXCursor instantiated_from(CXCursor c) {
  CXCursor tmpl = clang_getSpecializedCursorTemplate(c);
  if (is_null(tmpl) || !is_function(clang_getCursorKind(tmpl))) return clang_getNullCursor();
  CXCursor def = clang_getCursorDefinition(c);
  if (!is_null(def)) c = def;
  if (same_location(c, tmpl) || same_location(c, clang_getCursorDefinition(tmpl)) ||
      same_location(c, clang_getCanonicalCursor(tmpl)))
    return tmpl;
  return clang_getNullCursor();
}

}  // namespace

std::string callee_id(CXCursor callee) {
  CXCursorKind k = clang_getCursorKind(callee);
  if (k != CXCursor_FunctionDecl && k != CXCursor_CXXMethod) return usr(callee);
  // A member of a class template's specialization, or a specialization of a
  // member template of one, goes back step by step to the written member.
  CXCursor written = callee;
  for (int depth = 0; depth < 8; ++depth) {
    CXCursor from = instantiated_from(written);
    if (is_null(from)) break;
    written = from;
  }
  return usr(written);
}

}  // namespace concheck::analyzer::detail
