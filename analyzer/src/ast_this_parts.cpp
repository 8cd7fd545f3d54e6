// Local pointers that stand for a part of this object (body_walker::
// this_part_locals_): in a method, a local pointer every value of which is
// the address of a part of `this` held by value (`node = &head_`,
// `&parts_[i]`, every link a field holding an object in place) or memory a
// `new` just allocated (`node = new Node`), or null. What is reached
// through it is either this object's own member or fresh memory, so it is
// judged as part of this object (docs/analyzer-checks.md, "Instances"):
// leveldb's `Iterator::RegisterCleanup` fills `cleanup_head_` or a new
// node through one pointer.
//
// The whole body is scanned first, so a later assignment counts for the
// earlier accesses too (loops). A pointer qualifies only when every use of
// it reads its value (under an implicit lvalue-to-rvalue conversion, which
// libclang shows as an unexposed expression) or assigns it such a value
// with `=`: its address taken, a reference bound to it, `++`, `+=`, an
// assignment of anything else (another pointer, a call's result, a pointer
// read from memory) disqualify it.
#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

// `&this->a.b`, `&parts_[i]`: a part of this object held in place.
bool address_of_this_part(CXCursor e) {
  if (clang_getCursorKind(e) != CXCursor_UnaryOperator ||
      clang_getCursorUnaryOperatorKind(e) != CXUnaryOperator_AddrOf)
    return false;
  auto kids = children(e);
  if (kids.size() != 1) return false;
  CXCursor x = strip(kids[0]);
  bool top = true;
  while (clang_getCursorKind(x) == CXCursor_MemberRefExpr ||
         clang_getCursorKind(x) == CXCursor_ArraySubscriptExpr) {
    if (clang_getCursorKind(x) == CXCursor_MemberRefExpr) {
      CXCursor d = clang_getCursorReferenced(x);
      if (clang_getCursorKind(d) != CXCursor_FieldDecl) return false;
      if (!top && !by_value_field(x)) return false;  // a link on the way holds the next object in place
    } else if (!top) {
      auto ak = children(x);
      if (ak.empty() || clang_getCursorKind(strip(ak[0])) != CXCursor_MemberRefExpr ||
          !by_value_field(strip(ak[0])))
        return false;
    }
    top = false;
    auto rk = children(x);
    if (rk.empty()) return clang_getCursorKind(x) == CXCursor_MemberRefExpr;  // implicit this->member
    x = strip(rk[0]);
  }
  return !top && clang_getCursorKind(x) == CXCursor_CXXThisExpr;
}

struct parts_scan {
  std::map<std::string, bool> candidates;  // pointer locals declared in the body -> still qualifies
  bool (*is_null_pointer)(CXCursor) = nullptr;
};

bool acceptable_value(const parts_scan& s, CXCursor rhs) {
  CXCursor r = strip_casts(rhs);
  return clang_getCursorKind(r) == CXCursor_CXXNewExpr || s.is_null_pointer(rhs) || address_of_this_part(r);
}

CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData data) {
  auto& s = *static_cast<parts_scan*>(data);
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(c) == 0 &&
      clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Pointer) {
    CXCursor init = var_initializer(c);
    s.candidates[usr(c)] = is_null(init) || acceptable_value(s, init);
    return CXChildVisit_Recurse;
  }
  if (k == CXCursor_DeclRefExpr) {
    auto it = s.candidates.find(usr(clang_getCursorReferenced(c)));
    if (it == s.candidates.end() || !it->second) return CXChildVisit_Continue;
    if (clang_getCursorKind(parent) == CXCursor_UnexposedExpr)
      return CXChildVisit_Continue;  // its value read
    bool assigned = false;
    if (clang_getCursorKind(parent) == CXCursor_BinaryOperator &&
        clang_getCursorBinaryOperatorKind(parent) == CXBinaryOperator_Assign) {
      auto pk = children(parent);
      // The left side is this reference (clang_equalCursors also compares
      // the parent declaration, so compare where they are).
      assigned = pk.size() == 2 &&
                 clang_equalRanges(clang_getCursorExtent(pk[0]), clang_getCursorExtent(c)) != 0 &&
                 acceptable_value(s, pk[1]);
    }
    if (!assigned) it->second = false;
    return CXChildVisit_Continue;
  }
  return CXChildVisit_Recurse;
}

}  // namespace

void body_walker::scan_this_parts(CXCursor body) {
  CXCursorKind dk = clang_getCursorKind(decl_);
  bool method =
      (dk == CXCursor_CXXMethod && clang_CXXMethod_isStatic(decl_) == 0) || dk == CXCursor_FunctionTemplate;
  if (!method || is_lambda_ || !fn_.is_method) return;
  parts_scan s;
  s.is_null_pointer = &body_walker::is_null_pointer;
  clang_visitChildren(body, visit, &s);
  for (const auto& [id, ok] : s.candidates) {
    if (ok) this_part_locals_.insert(id);
  }
}

}  // namespace concheck::analyzer::detail
