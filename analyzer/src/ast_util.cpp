#include "ast_util.hpp"

#include <array>
#include <string_view>

namespace concheck::analyzer::detail {

std::string to_string(CXString s) {
  const char* p = clang_getCString(s);
  std::string r = p ? p : "";
  clang_disposeString(s);
  return r;
}

std::string spelling(CXCursor c) {
  return to_string(clang_getCursorSpelling(c));
}
std::string usr(CXCursor c) {
  return to_string(clang_getCursorUSR(c));
}
bool is_null(CXCursor c) {
  return clang_Cursor_isNull(c) != 0 || clang_isInvalid(clang_getCursorKind(c)) != 0;
}

std::vector<CXCursor> children(CXCursor c) {
  std::vector<CXCursor> out;
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData data) {
        static_cast<std::vector<CXCursor>*>(data)->push_back(child);
        return CXChildVisit_Continue;
      },
      &out);
  return out;
}

CXCursor method_call_object(CXCursor call) {
  auto kids = children(call);
  if (!kids.empty() && clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr) {
    auto mk = children(kids[0]);
    return mk.empty() ? clang_getNullCursor() : mk[0];
  }
  if (clang_Cursor_getNumArguments(call) > 0) return clang_Cursor_getArgument(call, 0);
  return clang_getNullCursor();
}

CXCursor strip(CXCursor c) {
  for (;;) {
    CXCursorKind k = clang_getCursorKind(c);
    if (k != CXCursor_UnexposedExpr && k != CXCursor_ParenExpr) return c;
    auto kids = children(c);
    if (kids.size() != 1) return c;
    c = kids[0];
  }
}

CXCursor strip_casts(CXCursor c) {
  for (;;) {
    c = strip(c);
    CXCursorKind k = clang_getCursorKind(c);
    if (k != CXCursor_CStyleCastExpr && k != CXCursor_CXXStaticCastExpr &&
        k != CXCursor_CXXReinterpretCastExpr && k != CXCursor_CXXConstCastExpr)
      return c;
    auto kids = children(c);
    if (kids.empty()) return c;
    c = kids.back();  // a cast's children: the type reference(s), then the operand
  }
}

location location_of(CXCursor c) {
  return expansion_location(clang_getCursorLocation(c));
}

location expansion_location(CXSourceLocation l) {
  CXFile file = nullptr;
  unsigned line = 0, column = 0;
  clang_getExpansionLocation(l, &file, &line, &column, nullptr);
  location loc;
  if (file != nullptr) loc.file = to_string(clang_getFileName(file));
  loc.line = line;
  loc.column = column;
  return loc;
}

bool location_before(const location& a, const location& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

bool in_system_header(CXCursor c) {
  return clang_Location_isInSystemHeader(clang_getCursorLocation(c)) != 0;
}

std::string qualified_name(CXCursor decl) {
  std::string name = spelling(decl);
  CXCursor p = clang_getCursorSemanticParent(decl);
  while (!is_null(p)) {
    CXCursorKind k = clang_getCursorKind(p);
    if (k == CXCursor_TranslationUnit) break;
    std::string part = spelling(p);
    if (k == CXCursor_Namespace && part.empty()) {  // anonymous namespace
      p = clang_getCursorSemanticParent(p);
      continue;
    }
    if (k == CXCursor_LinkageSpec) {
      p = clang_getCursorSemanticParent(p);
      continue;
    }
    if (!part.empty()) name.insert(0, part + "::");
    p = clang_getCursorSemanticParent(p);
  }
  return name;
}

namespace {
void erase_all(std::string& s, std::string_view what) {
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what)) s.erase(pos, what.size());
}
}  // namespace

std::string base_type_name(CXType t) {
  for (;;) {
    CXTypeKind k = t.kind;
    if (k == CXType_LValueReference || k == CXType_RValueReference || k == CXType_Pointer) {
      t = clang_getPointeeType(t);
      continue;
    }
    if (k == CXType_Elaborated) {
      t = clang_Type_getNamedType(t);
      continue;
    }
    break;
  }
  std::string name = to_string(clang_getTypeSpelling(clang_getCanonicalType(t)));
  if (auto lt = name.find('<'); lt != std::string::npos) name.erase(lt);
  for (std::string_view q : {"const ", "volatile ", "struct ", "class ", "union "}) erase_all(name, q);
  for (std::string_view ns : {"__1::", "__cxx11::", "_V2::", "__gnu_cxx::"}) erase_all(name, ns);
  while (!name.empty() && (name.back() == ' ' || name.back() == '&' || name.back() == '*')) name.pop_back();
  return name;
}

CXCursor class_decl_of(CXType t) {
  while (t.kind == CXType_LValueReference || t.kind == CXType_RValueReference || t.kind == CXType_Pointer) {
    t = clang_getPointeeType(t);
  }
  return clang_getTypeDeclaration(clang_getCanonicalType(t));
}

std::vector<std::string> tokens_of(CXCursor c) {
  std::vector<std::string> out;
  CXTranslationUnit tu = clang_Cursor_getTranslationUnit(c);
  CXToken* tokens = nullptr;
  unsigned count = 0;
  clang_tokenize(tu, clang_getCursorExtent(c), &tokens, &count);
  out.reserve(count);
  for (unsigned i = 0; i < count; ++i) out.push_back(to_string(clang_getTokenSpelling(tu, tokens[i])));
  clang_disposeTokens(tu, tokens, count);
  return out;
}

std::string attribute_name(CXCursor attr) {
  // The C API exposes thread-safety attributes only as UnexposedAttr whose
  // extent starts at the attribute's spelling (inside a macro definition when
  // written through GUARDED_BY & co.): the first token is the attribute name.
  CXTranslationUnit tu = clang_Cursor_getTranslationUnit(attr);
  CXSourceRange extent = clang_getCursorExtent(attr);
  CXSourceLocation begin = clang_getRangeStart(extent);
  CXToken* token = clang_getToken(tu, begin);
  if (token == nullptr) return {};
  std::string name = to_string(clang_getTokenSpelling(tu, *token));
  clang_disposeTokens(tu, token, 1);
  return name;
}

// Whether a member expression names a non-static field that holds an object
// in place: `m` in `this->m.f` or `this->m[i].f`, a class or an array of
// them (not a pointer, a reference, or a type still dependent on a template
// parameter, which may turn out to be one).
bool by_value_field(CXCursor member_ref) {
  CXCursor d = clang_getCursorReferenced(member_ref);
  if (clang_getCursorKind(d) != CXCursor_FieldDecl) return false;
  CXType t = clang_getCanonicalType(clang_getCursorType(d));
  while (t.kind == CXType_ConstantArray) t = clang_getCanonicalType(clang_getArrayElementType(t));
  return t.kind == CXType_Record;
}

CXCursor var_initializer(CXCursor var_decl) {
  CXCursor init = clang_getNullCursor();
  for (CXCursor kid : children(var_decl)) {
    CXCursorKind k = clang_getCursorKind(kid);
    if (k != CXCursor_TypeRef && k != CXCursor_NamespaceRef && k != CXCursor_TemplateRef &&
        k != CXCursor_UnexposedAttr)
      init = kid;
  }
  return init;
}

bool preceded_by_else(CXCursor prev, CXCursor c) {
  CXTranslationUnit tu = clang_Cursor_getTranslationUnit(c);
  CXSourceRange range = clang_getRange(clang_getRangeEnd(clang_getCursorExtent(prev)),
                                       clang_getRangeStart(clang_getCursorExtent(c)));
  CXToken* tokens = nullptr;
  unsigned count = 0;
  clang_tokenize(tu, range, &tokens, &count);
  bool found = false;
  for (unsigned i = 0; i < count; ++i) {
    if (to_string(clang_getTokenSpelling(tu, tokens[i])) == "else") found = true;
  }
  clang_disposeTokens(tu, tokens, count);
  return found;
}

}  // namespace concheck::analyzer::detail
