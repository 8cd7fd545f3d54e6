// Pointer members that hold fresh memory (body_walker::fresh_members_): in a
// method, a pointer field of this object, reached through fields that hold
// their objects in place (`this->u_.large.content`), that the method sets to
// fresh memory (a `new`, or the C library's `malloc`/`calloc`, under casts) or
// null in a statement of a block, and through which it then reaches that
// memory later in the same block (`content->size = n`), before any call that
// is not the C library's. Every value the member can hold there is fresh
// memory or null: what is reached through it is part of this object, judged
// with it (docs/analyzer-checks.md, "Instances"), as ast_this_parts.cpp does
// for local pointers. zeromq's `msg_t::init_size` fills the content it just
// allocated through `_u.lmsg.content`.
//
// Unlike a local, a member holds a value the method did not give it when the
// method starts, and a method called on this object may give it another:
// hence the block (the assignment runs before the access on every path) and
// the end at the first call. The member qualifies only when every use of it
// in the body reads its value or assigns it such a value with `=`, and no
// field on the way to it is assigned, has its address taken, or has a
// method called on it (`u_ = other.u_` would copy another object's pointer).
// A body with a `goto` or a label, and a block with `case` labels, give no
// regions (a jump could pass the assignment).
#include <algorithm>

#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

unsigned offset_of(CXSourceLocation l) {
  unsigned off = 0;
  clang_getExpansionLocation(l, nullptr, nullptr, nullptr, &off);
  return off;
}

// The path of a member expression rooted at `this` whose every link below the
// top one is a field held in place: the fields' USRs, top first, joined by
// '/'; "" otherwise. `pointer_top` asks that the top field be a pointer.
std::string this_member_path(CXCursor e, bool pointer_top) {
  CXCursor x = strip(e);
  if (clang_getCursorKind(x) != CXCursor_MemberRefExpr) return {};
  CXCursor d = clang_getCursorReferenced(x);
  if (clang_getCursorKind(d) != CXCursor_FieldDecl) return {};
  if (pointer_top && clang_getCanonicalType(clang_getCursorType(d)).kind != CXType_Pointer) return {};
  std::string path = usr(d);
  for (;;) {
    auto kids = children(x);
    if (kids.empty()) return path;  // implicit this->
    x = strip(kids[0]);
    CXCursorKind k = clang_getCursorKind(x);
    if (k == CXCursor_CXXThisExpr) return path;
    if (k != CXCursor_MemberRefExpr || !by_value_field(x)) return {};
    path += '/' + usr(clang_getCursorReferenced(x));
  }
}

bool fresh_value(CXCursor rhs, bool (*is_null_pointer)(CXCursor)) {
  CXCursor r = strip_casts(rhs);
  CXCursorKind k = clang_getCursorKind(r);
  if (k == CXCursor_CXXNewExpr || is_null_pointer(rhs)) return true;
  if (k != CXCursor_CallExpr) return false;
  CXCursor callee = clang_getCursorReferenced(r);
  if (is_null(callee) || !in_system_header(callee)) return false;
  std::string n = spelling(callee);
  return n == "malloc" || n == "calloc";
}

struct region {
  std::string path;
  unsigned from = 0;  // the end of the assignment
  unsigned to = 0;    // the end of its block
};

struct fields_scan {
  bool (*is_null_pointer)(CXCursor) = nullptr;
  std::map<std::string, bool> candidates;  // pointer member path -> still qualifies
  std::set<std::string> misused;           // paths of fields on the way that were written or exposed
  std::vector<region> regions;
  std::vector<unsigned> calls;  // offsets of calls other than the C library's
  bool jumps = false;
};

// Whether `e` names this object or a part of it (`this`, `m_`, `u_.p`).
bool mentions_this(CXCursor e) {
  CXCursorKind k = clang_getCursorKind(e);
  if (k == CXCursor_CXXThisExpr) return true;
  if (k == CXCursor_MemberRefExpr && children(e).empty()) return true;  // implicit this->
  for (CXCursor kid : children(e)) {
    if (mentions_this(kid)) return true;
  }
  return false;
}

// A call that cannot give a member of this object another value: a compiler
// builtin (`__builtin_expect`), or a free function of the system headers
// (`malloc`, `memcpy`, `errno`'s location) handed nothing of this object.
bool harmless_call(CXCursor call) {
  CXCursor callee = clang_getCursorReferenced(call);
  if (is_null(callee) || clang_getCursorKind(callee) != CXCursor_FunctionDecl) return false;
  if (spelling(callee).rfind("__builtin_", 0) == 0) return true;
  if (!in_system_header(callee)) return false;
  for (CXCursor kid : children(call)) {
    if (mentions_this(kid)) return false;
  }
  return true;
}

bool same_extent(CXCursor a, CXCursor b) {
  return clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(b)) != 0;
}

bool has_case_labels(CXCursor block) {
  auto kids = children(block);
  return std::any_of(kids.begin(), kids.end(), [](CXCursor k) {
    CXCursorKind kk = clang_getCursorKind(k);
    return kk == CXCursor_CaseStmt || kk == CXCursor_DefaultStmt || kk == CXCursor_LabelStmt;
  });
}

void scan(fields_scan& s, CXCursor c, const std::vector<CXCursor>& parents) {
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_GotoStmt || k == CXCursor_IndirectGotoStmt || k == CXCursor_LabelStmt) s.jumps = true;
  if (k == CXCursor_CallExpr && !harmless_call(c)) s.calls.push_back(offset_of(clang_getCursorLocation(c)));
  if (k == CXCursor_MemberRefExpr && !parents.empty()) {
    CXCursor parent = parents.back();
    CXCursorKind pk = clang_getCursorKind(parent);
    std::string top = this_member_path(c, true);
    if (!top.empty()) {
      auto [it, fresh] = s.candidates.emplace(top, true);
      (void)fresh;
      bool read = pk == CXCursor_UnexposedExpr;
      bool assigned = false;
      if (pk == CXCursor_BinaryOperator &&
          clang_getCursorBinaryOperatorKind(parent) == CXBinaryOperator_Assign) {
        auto pkids = children(parent);
        assigned = pkids.size() == 2 && same_extent(pkids[0], c) && fresh_value(pkids[1], s.is_null_pointer);
        if (assigned && parents.size() >= 2 &&
            clang_getCursorKind(parents[parents.size() - 2]) == CXCursor_CompoundStmt &&
            !has_case_labels(parents[parents.size() - 2])) {
          CXSourceRange block = clang_getCursorExtent(parents[parents.size() - 2]);
          s.regions.push_back(region{top, offset_of(clang_getRangeEnd(clang_getCursorExtent(parent))),
                                     offset_of(clang_getRangeEnd(block))});
        }
      }
      if (!read && !assigned) it->second = false;
    } else if (std::string path = this_member_path(c, false); !path.empty()) {
      // A field on the way to a pointer member: only the base of a further
      // field access, or its value read, leaves that member alone.
      bool base_of_field = pk == CXCursor_MemberRefExpr &&
                           clang_getCursorKind(clang_getCursorReferenced(parent)) == CXCursor_FieldDecl;
      if (!base_of_field && pk != CXCursor_UnexposedExpr) s.misused.insert(path);
    }
  }
  std::vector<CXCursor> next = parents;
  next.push_back(c);
  for (CXCursor kid : children(c)) scan(s, kid, next);
}

}  // namespace

void body_walker::scan_fresh_members(CXCursor body) {
  CXCursorKind dk = clang_getCursorKind(decl_);
  bool method =
      (dk == CXCursor_CXXMethod && clang_CXXMethod_isStatic(decl_) == 0) || dk == CXCursor_FunctionTemplate;
  if (!method || is_lambda_ || !fn_.is_method) return;
  fields_scan s;
  s.is_null_pointer = &body_walker::is_null_pointer;
  scan(s, body, {});
  if (s.jumps) return;
  std::sort(s.calls.begin(), s.calls.end());
  for (const auto& r : s.regions) {
    auto c = s.candidates.find(r.path);
    if (c == s.candidates.end() || !c->second) continue;
    // A field on the way written or exposed anywhere in the body (its path
    // is a suffix of the member's: the member's own USR comes first).
    bool misused = std::any_of(s.misused.begin(), s.misused.end(), [&](const std::string& m) {
      return r.path.size() > m.size() && r.path.compare(r.path.size() - m.size(), m.size(), m) == 0 &&
             r.path[r.path.size() - m.size() - 1] == '/';
    });
    if (misused) continue;
    unsigned to = r.to;
    auto call = std::upper_bound(s.calls.begin(), s.calls.end(), r.from);
    if (call != s.calls.end()) to = std::min(to, *call);
    if (to > r.from) fresh_members_[r.path].emplace_back(r.from, to);
  }
}

bool body_walker::through_fresh_member(CXCursor member_ref) const {
  if (fresh_members_.empty()) return false;
  // Down through fields held in place to the pointer member it is reached through.
  CXCursor x = strip(member_ref);
  auto kids = children(x);
  if (kids.empty()) return false;
  x = strip(kids[0]);
  while (clang_getCursorKind(x) == CXCursor_MemberRefExpr && by_value_field(x)) {
    auto k = children(x);
    if (k.empty()) return false;
    x = strip(k[0]);
  }
  std::string path = this_member_path(x, true);
  auto it = fresh_members_.find(path);
  if (path.empty() || it == fresh_members_.end()) return false;
  unsigned at = offset_of(clang_getCursorLocation(member_ref));
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::pair<unsigned, unsigned>& r) { return at >= r.first && at < r.second; });
}

}  // namespace concheck::analyzer::detail
