// Out parameters that hold only this call's fresh memory (body_walker::
// fresh_out_params_): a `T** out` parameter whose slot the function first
// sets, in a statement of the body's own block, to null or to a `new`
// object, and otherwise only gives such values (`*out = new T(rep)`) or
// dereferences for a member (`(*out)->ReadMeta(footer)`). Wherever the
// function uses the object, it is one this call allocated, reachable only
// through the caller's slot: a method called on it runs on an object owned
// where the parameter is (every caller passes its own slot, `&local`), as
// leveldb's `Table::Open` reads the metadata of the table it just built.
// Any other use of the parameter (passed on, read as a value, assigned)
// disqualifies it. Cost: linear in the size of the body.
#include <map>

#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

bool wraps(CXCursor c) {
  CXCursorKind k = clang_getCursorKind(c);
  return k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr;
}

bool same(CXCursor a, CXCursor b) {
  return clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(b)) != 0;
}

struct out_scan {
  bool (*is_null_pointer)(CXCursor) = nullptr;
  std::map<std::string, bool> params;  // candidate parameter USR -> still qualifies
  std::map<std::string, bool> first;   // parameter USR -> its first use was a top-level fresh/null store
  CXCursor body;
};

// One use of a candidate: `ref` with its ancestors (innermost last).
void judge(out_scan& s, const std::string& id, const std::vector<CXCursor>& up) {
  // Up through implicit casts and parentheses to `*out`, then to its user.
  std::size_t i = up.size();
  while (i > 0 && wraps(up[i - 1])) --i;
  bool ok = false;
  bool store = false;
  if (i > 0 && clang_getCursorKind(up[i - 1]) == CXCursor_UnaryOperator &&
      clang_getCursorUnaryOperatorKind(up[i - 1]) == CXUnaryOperator_Deref) {
    CXCursor deref = up[i - 1];
    std::size_t j = i - 1;
    while (j > 0 && wraps(up[j - 1])) --j;
    if (j > 0) {
      CXCursor user = up[j - 1];
      CXCursorKind uk = clang_getCursorKind(user);
      if (uk == CXCursor_BinaryOperator &&
          clang_getCursorBinaryOperatorKind(user) == CXBinaryOperator_Assign) {
        auto kids = children(user);
        if (kids.size() == 2 && same(kids[0], deref)) {
          CXCursor rhs = strip_casts(kids[1]);
          ok = clang_getCursorKind(rhs) == CXCursor_CXXNewExpr || s.is_null_pointer(kids[1]);
          store = ok;
        }
      } else if (uk == CXCursor_MemberRefExpr) {
        ok = true;  // `(*out)->f`: the object it points at
      }
      if (s.first.count(id) == 0) {
        // The first use must be a store that runs before the rest: a
        // statement of the body's own block.
        bool top = store && j >= 2 && same(up[j - 2], s.body);
        s.first[id] = top;
      }
    }
  }
  if (s.first.count(id) == 0) s.first[id] = false;
  if (!ok) s.params[id] = false;
}

void scan(out_scan& s, CXCursor c, std::vector<CXCursor>& up) {
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_LambdaExpr) {
    // A lambda may run at any time: any use of a candidate inside it disqualifies it.
    up.push_back(c);
    for (CXCursor kid : children(c)) scan(s, kid, up);
    up.pop_back();
    return;
  }
  if (k == CXCursor_DeclRefExpr) {
    std::string id = usr(clang_getCursorReferenced(c));
    if (s.params.count(id) != 0) {
      bool in_lambda = false;
      for (CXCursor a : up) in_lambda = in_lambda || clang_getCursorKind(a) == CXCursor_LambdaExpr;
      if (in_lambda) {
        s.params[id] = false;
      } else {
        judge(s, id, up);
      }
    }
    return;
  }
  up.push_back(c);
  for (CXCursor kid : children(c)) scan(s, kid, up);
  up.pop_back();
}

}  // namespace

void body_walker::scan_fresh_out_params(CXCursor body) {
  out_scan s;
  s.is_null_pointer = &body_walker::is_null_pointer;
  s.body = body;
  for (CXCursor param : children(decl_)) {
    if (clang_getCursorKind(param) != CXCursor_ParmDecl) continue;
    CXType t = clang_getCanonicalType(clang_getCursorType(param));
    if (t.kind != CXType_Pointer) continue;
    if (clang_getCanonicalType(clang_getPointeeType(t)).kind != CXType_Pointer) continue;
    s.params[usr(param)] = true;
  }
  if (s.params.empty()) return;
  std::vector<CXCursor> up;
  scan(s, body, up);
  for (const auto& [id, ok] : s.params) {
    auto f = s.first.find(id);
    if (ok && f != s.first.end() && f->second) fresh_out_params_.insert(id);
  }
}

}  // namespace concheck::analyzer::detail
