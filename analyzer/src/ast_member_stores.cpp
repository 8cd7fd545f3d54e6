// Pointer members that only hold objects made for them: see ast_member_stores.hpp.
#include "ast_member_stores.hpp"

#include "ast_util.hpp"
#include "stack_budget.hpp"

namespace concheck::analyzer::detail {

namespace {

// A pointer field of a user class, else a null cursor.
CXCursor pointer_field(CXCursor ref) {
  CXCursor d = clang_getCursorReferenced(ref);
  if (is_null(d) || clang_getCursorKind(d) != CXCursor_FieldDecl || in_system_header(d))
    return clang_getNullCursor();
  if (clang_getCanonicalType(clang_getCursorType(d)).kind != CXType_Pointer) return clang_getNullCursor();
  return d;
}

// Whether a field can keep the "fresh" mark at all: not public, in a class
// that is neither a template nor a specialization of one.
bool qualifies(CXCursor field) {
  if (clang_getCXXAccessSpecifier(field) == CX_CXXPublic) return false;
  CXCursor owner = clang_getCursorSemanticParent(field);
  CXCursorKind k = clang_getCursorKind(owner);
  if (k != CXCursor_ClassDecl && k != CXCursor_StructDecl) return false;
  return is_null(clang_getSpecializedCursorTemplate(owner));
}

bool is_null_pointer(CXCursor e) {
  CXCursor x = strip_casts(e);
  CXCursorKind k = clang_getCursorKind(x);
  if (k == CXCursor_CXXNullPtrLiteralExpr || k == CXCursor_GNUNullExpr) return true;
  if (k != CXCursor_IntegerLiteral) return false;
  CXEvalResult r = clang_Cursor_Evaluate(x);
  if (r == nullptr) return false;
  bool zero = clang_EvalResult_getKind(r) == CXEval_Int && clang_EvalResult_getAsLongLong(r) == 0;
  clang_EvalResult_dispose(r);
  return zero;
}

// A `new T(...)` (not a placement new, not `::new`) or null, under casts.
bool fresh_value(CXCursor value) {
  if (is_null_pointer(value)) return true;
  CXCursor x = strip_casts(value);
  if (clang_getCursorKind(x) != CXCursor_CXXNewExpr) return false;
  auto tokens = tokens_of(x);
  return tokens.size() >= 2 && tokens[0] == "new" && tokens[1] != "(";
}

void note(tu_context& tu, CXCursor field, bool ok) {
  auto [it, added] = tu.facts.fresh_pointer_members.emplace(usr(field), true);
  (void)added;
  it->second = it->second && ok && qualifies(field);
}

bool same_extent(CXCursor a, CXCursor b) {
  return clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(b)) != 0;
}

// A use of a pointer field as an expression, judged by its parent.
bool harmless_use(CXCursor use, CXCursor parent) {
  CXCursorKind pk = clang_getCursorKind(parent);
  // Its value read: an implicit conversion that yields the pointer (a
  // dependent expression, which may be a store, has no pointer type).
  if (pk == CXCursor_UnexposedExpr)
    return clang_getCanonicalType(clang_getCursorType(parent)).kind == CXType_Pointer;
  if (pk != CXCursor_BinaryOperator || clang_getCursorBinaryOperatorKind(parent) != CXBinaryOperator_Assign)
    return false;
  auto kids = children(parent);
  return kids.size() == 2 && same_extent(kids[0], use) && fresh_value(kids[1]);
}

// Code nested deeper than the walks follow (ast_walker.hpp) is not read: the
// TU then says that some store may have gone unseen (the "" key), and no
// member of the program is fresh (summary.cpp).
void scan(tu_context& tu, CXCursor c, int depth) {
  if (depth > body_walker::kMaxWalkDepth || stack_nearly_exhausted()) {
    tu.facts.fresh_pointer_members[""] = false;
    return;
  }
  auto kids = children(c);
  for (std::size_t i = 0; i < kids.size(); ++i) {
    CXCursor k = kids[i];
    CXCursorKind kk = clang_getCursorKind(k);
    if (kk == CXCursor_MemberRefExpr || kk == CXCursor_MemberRef) {
      CXCursor field = pointer_field(k);
      if (!is_null(field)) {
        if (kk == CXCursor_MemberRef) {
          // A constructor's initializer: the expression that follows it.
          bool ok = i + 1 < kids.size() && clang_isExpression(clang_getCursorKind(kids[i + 1])) != 0 &&
                    fresh_value(kids[i + 1]);
          note(tu, field, ok);
        } else {
          note(tu, field, harmless_use(k, c));
        }
      }
    }
    scan(tu, k, depth + 1);
  }
}

}  // namespace

void scan_member_stores(tu_context& tu, CXCursor function) {
  scan(tu, function, 0);
}

void note_field_initializer(tu_context& tu, CXCursor field) {
  if (clang_getCanonicalType(clang_getCursorType(field)).kind != CXType_Pointer) return;
  bool ok = true;
  for (CXCursor k : children(field)) {
    if (clang_isExpression(clang_getCursorKind(k)) != 0) ok = ok && fresh_value(k);
  }
  note(tu, field, ok);
}

std::string pointer_member_of(CXCursor object) {
  CXCursor x = strip(object);
  if (clang_getCursorKind(x) != CXCursor_MemberRefExpr) return {};
  CXCursor field = pointer_field(x);
  if (is_null(field)) return {};
  auto kids = children(x);
  if (!kids.empty() && clang_getCursorKind(strip(kids[0])) != CXCursor_CXXThisExpr) return {};
  return usr(field);
}

}  // namespace concheck::analyzer::detail
