// Regions of a body that end the function: see ast_exit_regions.hpp.
#include "ast_exit_regions.hpp"

#include "ast_util.hpp"

namespace concheck::analyzer::detail {

namespace {

constexpr int kMaxDepth = 64;  // deeper statements are not looked into: no region

location end_of(CXCursor c) {
  CXFile file = nullptr;
  location loc;
  clang_getExpansionLocation(clang_getRangeEnd(clang_getCursorExtent(c)), &file, &loc.line, &loc.column,
                             nullptr);
  if (file != nullptr) loc.file = to_string(clang_getFileName(file));
  return loc;
}

bool is_loop(CXCursorKind k) {
  return k == CXCursor_WhileStmt || k == CXCursor_ForStmt || k == CXCursor_DoStmt ||
         k == CXCursor_CXXForRangeStmt;
}

// Whether `c` holds a jump that leaves it other than by ending the function:
// a goto, or a break/continue not caught by a loop (or switch) inside it.
// Lambdas and local classes are other functions.
bool leaks_jump(CXCursor c, bool loop, bool breakable, int depth) {
  if (depth > kMaxDepth) return true;
  for (CXCursor k : children(c)) {
    CXCursorKind kk = clang_getCursorKind(k);
    switch (kk) {
      case CXCursor_GotoStmt:
      case CXCursor_IndirectGotoStmt:
        return true;
      case CXCursor_BreakStmt:
        if (!breakable) return true;
        continue;
      case CXCursor_ContinueStmt:
        if (!loop) return true;
        continue;
      case CXCursor_LambdaExpr:
      case CXCursor_ClassDecl:
      case CXCursor_StructDecl:
        continue;
      default:
        break;
    }
    bool inner_loop = loop || is_loop(kk);
    bool inner_break = breakable || is_loop(kk) || kk == CXCursor_SwitchStmt;
    if (leaks_jump(k, inner_loop, inner_break, depth + 1)) return true;
  }
  return false;
}

}  // namespace

bool exit_regions::ends_function(CXCursor stmt, int depth) {
  if (depth > kMaxDepth) return false;
  CXCursor s = strip(stmt);
  switch (clang_getCursorKind(s)) {
    case CXCursor_ReturnStmt:
    case CXCursor_CXXThrowExpr:
      return true;
    case CXCursor_CallExpr:
      return noreturn_.call_never_returns(s);
    case CXCursor_CompoundStmt: {
      auto kids = children(s);
      return !kids.empty() && ends_function(kids.back(), depth + 1);
    }
    case CXCursor_IfStmt: {
      // Children: [init] [condition variable] condition, then, [else]; an
      // if without else lets the other path through.
      auto kids = children(s);
      if (kids.size() < 3) return false;
      CXCursor then = kids[kids.size() - 2];
      return preceded_by_else(then, kids.back()) && ends_function(then, depth + 1) &&
             ends_function(kids.back(), depth + 1);
    }
    default:
      return false;
  }
}

exit_regions::scope::scope(exit_regions& r, CXCursor stmt) : r_(r) {
  CXCursorKind k = clang_getCursorKind(stmt);
  if (k == CXCursor_ReturnStmt) {
    pushed_ = true;
  } else if (k == CXCursor_CompoundStmt) {
    pushed_ = r_.ends_function(stmt) && !leaks_jump(stmt, false, false, 0);
  }
  if (pushed_) r_.stack_.push_back(region{end_of(stmt), r_.barriers_ == 0});
}

exit_regions::scope::~scope() {
  if (pushed_) r_.stack_.pop_back();
}

location exit_regions::reach_end() const {
  // Trusted regions are pushed before any barrier: they are the bottom of the stack.
  for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
    if (it->trusted) return it->end;
  }
  return {};
}

}  // namespace concheck::analyzer::detail
