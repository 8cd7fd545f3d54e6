// Re-checked waits of body_walker, for cv-wait-no-loop (the rule:
// docs/analyzer-checks.md, cv-wait-no-loop, "Re-checked after the wait").
//
// A stretch of a block between two statements that test the same condition
// is "re-checked" (body_walker::recheck_spans_) when the first leaves the
// function if the condition holds, and the second leaves it if the
// condition fails:
//
//   if (E) return ...;            // the condition already holds: no wait
//   ... wait, or a call of a wrapper that waits once ...
//   if (!E) { ...; return ...; }  // or: `const bool ok = E; if (!ok) ...`
//
// "The same condition" is the same expression, token for token (zeromq's
// mailbox_safe_t::recv reads `_cpipe.read (cmd_)` before and after its one
// wait). "Leaves" is a then-branch (no else) that is a `return` or a
// `throw`, or a block whose last statement is one. Code after the second
// test runs only with the condition true, so a wait between them that wakes
// spuriously, or after another consumer took the condition, makes the
// function fail to its caller instead of continuing with the condition
// false. Only statements of one block are paired (not across nested
// blocks), and a lambda's body is its own function.
// Cost: O(S^2 * T) for S statements of a block and T tokens of a condition,
// for blocks with a leaving `if`; waits and calls look their place up in
// O(R) for R spans.
#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

bool recheck_in_file(CXCursor c, CXFile file) {
  CXFile f = nullptr;
  clang_getExpansionLocation(clang_getCursorLocation(c), &f, nullptr, nullptr, nullptr);
  return f != nullptr && clang_File_isEqual(f, file) != 0;
}

// A statement that leaves the function: `return`, `throw`, or a block
// ending in one.
bool leaves_function(CXCursor s) {
  CXCursor x = strip(s);
  CXCursorKind k = clang_getCursorKind(x);
  if (k == CXCursor_ReturnStmt || k == CXCursor_CXXThrowExpr) return true;
  if (k != CXCursor_CompoundStmt) return false;
  auto kids = children(x);
  return !kids.empty() && leaves_function(kids.back());
}

// The condition of `if (C) <leaves>` with no else, else a null cursor.
CXCursor recheck_leaving_if(CXCursor s) {
  if (clang_getCursorKind(s) != CXCursor_IfStmt) return clang_getNullCursor();
  auto kids = children(s);
  if (kids.size() != 2 || !leaves_function(kids[1])) return clang_getNullCursor();
  return kids[0];
}

// The operand of `!X` (under parentheses and conversions), else null.
CXCursor recheck_negated(CXCursor cond) {
  CXCursor x = strip(cond);
  if (clang_getCursorKind(x) != CXCursor_UnaryOperator ||
      clang_getCursorUnaryOperatorKind(x) != CXUnaryOperator_LNot)
    return clang_getNullCursor();
  auto kids = children(x);
  return kids.size() == 1 ? kids[0] : clang_getNullCursor();
}

std::vector<std::string> recheck_tokens(CXCursor e) {
  return tokens_of(strip(e));
}

// `T v = E;` declaring one local: v, else null.
CXCursor recheck_single_var(CXCursor s) {
  if (clang_getCursorKind(s) != CXCursor_DeclStmt) return clang_getNullCursor();
  auto kids = children(s);
  if (kids.size() != 1 || clang_getCursorKind(kids[0]) != CXCursor_VarDecl) return clang_getNullCursor();
  return kids[0];
}

// Whether statements[j] (with the one after it) re-tests `tokens` and
// leaves when it fails: `if (!E) <leaves>`, or `T v = E; if (!v) <leaves>`.
bool recheck_leaves_unless(const std::vector<CXCursor>& statements, std::size_t j,
                           const std::vector<std::string>& tokens) {
  if (CXCursor cond = recheck_leaving_if(statements[j]); !is_null(cond)) {
    CXCursor e = recheck_negated(cond);
    return !is_null(e) && recheck_tokens(e) == tokens;
  }
  CXCursor v = recheck_single_var(statements[j]);
  if (is_null(v) || j + 1 >= statements.size()) return false;
  CXCursor init = var_initializer(v);
  if (is_null(init) || recheck_tokens(init) != tokens) return false;
  CXCursor cond = recheck_leaving_if(statements[j + 1]);
  CXCursor e = is_null(cond) ? cond : recheck_negated(cond);
  if (is_null(e)) return false;
  CXCursor ref = strip(e);
  return clang_getCursorKind(ref) == CXCursor_DeclRefExpr &&
         clang_equalCursors(clang_getCursorReferenced(ref), v) != 0;
}

struct recheck_scan {
  CXFile file = nullptr;
  std::vector<std::pair<location, location>> spans;
};

CXChildVisitResult visit_rechecks(CXCursor c, CXCursor, CXClientData data) {
  auto& s = *static_cast<recheck_scan*>(data);
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_LambdaExpr) return CXChildVisit_Continue;
  if (k != CXCursor_CompoundStmt || !recheck_in_file(c, s.file)) return CXChildVisit_Recurse;
  auto statements = children(c);
  for (std::size_t i = 0; i + 1 < statements.size(); ++i) {
    CXCursor cond = recheck_leaving_if(statements[i]);
    if (is_null(cond) || !recheck_in_file(statements[i], s.file)) continue;
    auto tokens = recheck_tokens(cond);
    if (tokens.empty()) continue;
    for (std::size_t j = i + 1; j < statements.size(); ++j) {
      if (!recheck_in_file(statements[j], s.file) || !recheck_leaves_unless(statements, j, tokens)) continue;
      s.spans.emplace_back(expansion_location(clang_getRangeEnd(clang_getCursorExtent(statements[i]))),
                           expansion_location(clang_getRangeStart(clang_getCursorExtent(statements[j]))));
      break;
    }
  }
  return CXChildVisit_Recurse;
}

}  // namespace

void body_walker::scan_rechecks(CXCursor body) {
  recheck_scan s;
  clang_getExpansionLocation(clang_getCursorLocation(body), &s.file, nullptr, nullptr, nullptr);
  if (s.file == nullptr) return;
  if (visit_rechecks(body, body, &s) == CXChildVisit_Recurse) clang_visitChildren(body, visit_rechecks, &s);
  recheck_spans_ = std::move(s.spans);
}

bool body_walker::rechecked(const location& at) const {
  for (const auto& [from, to] : recheck_spans_) {
    if (at.file == from.file && location_before(from, at) && location_before(at, to)) return true;
  }
  return false;
}

}  // namespace concheck::analyzer::detail
