// Thread-specific data facts of body_walker (thread_specific.hpp has the
// rule): what each pthread_setspecific call stores, whether every return of
// the function is a thread-specific value, and which call's result a method
// call's object is reached through. The same scan tells a factory (every
// return fresh memory, null or another factory's result: returns_fresh) and
// the local pointers whose every value is one of those (fresh_valued_locals_,
// for lock order's fresh objects, fresh_locks.hpp).
//
// A returned local pointer qualifies when the whole body (scanned first, so
// a later assignment counts too) only reads its value or assigns it a
// thread-specific value, fresh memory (`new`) or null with `=`: its address
// taken, a reference bound to it, `++`, `+=`, or any other value disqualify
// it, as for ast_this_parts.cpp.
#include <algorithm>
#include <map>

#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

bool returns_handle(CXType t) {
  CXTypeKind k = clang_getCanonicalType(t).kind;
  return k == CXType_Pointer || k == CXType_LValueReference || k == CXType_RValueReference;
}

// A call whose result may be a thread-specific value: "pthread_getspecific",
// or the USR of a user function returning a pointer or reference (a member
// of a class template's specialization is named by the template's member,
// whose body is the one summarized). Empty otherwise.
std::string call_source(CXCursor e) {
  CXCursor c = strip_casts(e);
  if (clang_getCursorKind(c) != CXCursor_CallExpr) return "";
  CXCursor callee = clang_getCursorReferenced(c);
  if (is_null(callee)) return "";
  CXCursorKind k = clang_getCursorKind(callee);
  if (k == CXCursor_FunctionDecl && spelling(callee) == "pthread_getspecific") return "pthread_getspecific";
  if (in_system_header(callee) || (k != CXCursor_FunctionDecl && k != CXCursor_CXXMethod)) return "";
  if (!returns_handle(clang_getResultType(clang_getCursorType(callee)))) return "";
  CXCursor tmpl = clang_getSpecializedCursorTemplate(callee);
  return usr(is_null(tmpl) ? callee : tmpl);
}

struct returns_scan {
  bool (*is_null_pointer)(CXCursor) = nullptr;
  // Pointer locals declared in the body -> whether every value qualifies so far.
  std::map<std::string, bool> locals;
  std::vector<CXCursor> returned;  // the expressions of return statements
  bool bare_return = false;        // a `return;` or a return of nothing we can follow
  std::vector<std::string> sources;
  // Per local pointer: the calls its values come from.
  std::map<std::string, std::vector<std::string>> local_sources;
};

// A value a returned local may take: a thread-specific value, fresh memory or null.
bool local_value(returns_scan& s, const std::string& local, CXCursor rhs) {
  CXCursor r = strip_casts(rhs);
  if (clang_getCursorKind(r) == CXCursor_CXXNewExpr || s.is_null_pointer(rhs)) return true;
  std::string src = call_source(r);
  if (src.empty()) return false;
  s.sources.push_back(src);
  s.local_sources[local].push_back(src);
  return true;
}

// Whether `ref`, a reference to a local pointer, only reads its value in
// `parent`. Dependent code (a class template's members) has no implicit
// lvalue-to-rvalue conversion to show a read, so the use itself decides
// there: `!p`, `*p`, `p->f`, `p == q`, `return p`, the right side of `=`,
// or an argument the callee takes by value or by const reference.
bool reads_value(CXCursor ref, CXCursor parent) {
  switch (clang_getCursorKind(parent)) {
    case CXCursor_UnexposedExpr:
    case CXCursor_ReturnStmt:
    case CXCursor_MemberRefExpr:
    case CXCursor_ParenExpr:
      return true;
    case CXCursor_UnaryOperator: {
      CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(parent);
      return op == CXUnaryOperator_Deref || op == CXUnaryOperator_LNot;
    }
    case CXCursor_BinaryOperator: {
      CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(parent);
      auto kids = children(parent);
      bool left =
          !kids.empty() && clang_equalRanges(clang_getCursorExtent(kids[0]), clang_getCursorExtent(ref)) != 0;
      return op == CXBinaryOperator_EQ || op == CXBinaryOperator_NE ||
             (op == CXBinaryOperator_Assign && !left);
    }
    case CXCursor_CallExpr: {
      CXCursor callee = clang_getCursorReferenced(parent);
      if (is_null(callee)) return false;
      int n = clang_Cursor_getNumArguments(parent);
      for (int i = 0; i < n; ++i) {
        CXCursor a = clang_Cursor_getArgument(parent, static_cast<unsigned>(i));
        if (clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(ref)) == 0) continue;
        if (i >= clang_Cursor_getNumArguments(callee)) return false;
        CXType t = clang_getCanonicalType(
            clang_getCursorType(clang_Cursor_getArgument(callee, static_cast<unsigned>(i))));
        // By value, or by const reference (`push_back(const T&)`): the
        // callee reads the pointer, it cannot give it another value.
        if (t.kind == CXType_LValueReference) return clang_isConstQualifiedType(clang_getPointeeType(t)) != 0;
        return t.kind != CXType_RValueReference;
      }
      return false;
    }
    default:
      return false;
  }
}

CXChildVisitResult visit_returns(CXCursor c, CXCursor parent, CXClientData data) {
  auto& s = *static_cast<returns_scan*>(data);
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_LambdaExpr) return CXChildVisit_Continue;  // its returns are its own
  if (k == CXCursor_ReturnStmt) {
    auto kids = children(c);
    if (kids.size() == 1) {
      s.returned.push_back(kids[0]);
    } else {
      s.bare_return = true;
    }
    return CXChildVisit_Recurse;
  }
  if (k == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(c) == 0 &&
      clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Pointer) {
    CXCursor init = var_initializer(c);
    s.locals[usr(c)] = is_null(init) || local_value(s, usr(c), init);
    return CXChildVisit_Recurse;
  }
  if (k == CXCursor_DeclRefExpr) {
    auto it = s.locals.find(usr(clang_getCursorReferenced(c)));
    if (it == s.locals.end() || !it->second) return CXChildVisit_Continue;
    if (reads_value(c, parent)) return CXChildVisit_Continue;
    bool assigned = false;
    if (clang_getCursorKind(parent) == CXCursor_BinaryOperator &&
        clang_getCursorBinaryOperatorKind(parent) == CXBinaryOperator_Assign) {
      auto pk = children(parent);
      assigned = pk.size() == 2 &&
                 clang_equalRanges(clang_getCursorExtent(pk[0]), clang_getCursorExtent(c)) != 0 &&
                 local_value(s, it->first, pk[1]);
    }
    if (!assigned) it->second = false;
    return CXChildVisit_Continue;
  }
  return CXChildVisit_Recurse;
}

// Whether a returned expression is a thread-specific value (adding the calls
// it depends on to s.sources): a call's result, `*` of one, or a qualifying
// local (`return obj;`, `return *obj;`), under casts.
bool returned_value(returns_scan& s, CXCursor e, bool* fresh) {
  CXCursor x = strip_casts(e);
  if (clang_getCursorKind(x) == CXCursor_CXXNewExpr || s.is_null_pointer(e)) {
    *fresh = true;  // fresh memory or null: not a thread-specific value, a factory's
    return false;
  }
  if (clang_getCursorKind(x) == CXCursor_UnaryOperator &&
      clang_getCursorUnaryOperatorKind(x) == CXUnaryOperator_Deref) {
    auto kids = children(x);
    if (kids.size() != 1) return false;
    x = strip_casts(kids[0]);
  }
  if (std::string src = call_source(x); !src.empty()) {
    s.sources.push_back(src);
    return true;
  }
  if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) return false;
  auto it = s.locals.find(usr(clang_getCursorReferenced(x)));
  return it != s.locals.end() && it->second;
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

void body_walker::scan_specific_returns(CXCursor body) {
  returns_scan s;
  s.is_null_pointer = &body_walker::is_null_pointer;
  clang_visitChildren(body, visit_returns, &s);
  // The local pointers whose every value is fresh memory, null or a user
  // function's result (pthread_getspecific's is the thread's, not fresh).
  for (const auto& [id, ok] : s.locals) {
    if (!ok) continue;
    auto src = s.local_sources.find(id);
    std::vector<std::string> from = src == s.local_sources.end() ? std::vector<std::string>{} : src->second;
    sort_unique(from);
    if (std::find(from.begin(), from.end(), "pthread_getspecific") == from.end())
      fresh_valued_locals_[id] = std::move(from);
  }
  if (is_lambda_ || !returns_handle(clang_getCursorResultType(decl_))) return;
  if (s.bare_return || s.returned.empty()) return;
  bool all_specific = true, all_fresh = true;
  std::vector<std::string> fresh_from;
  for (CXCursor r : s.returned) {
    bool fresh = false;
    bool specific = returned_value(s, r, &fresh);
    if (!specific && !fresh) return;
    all_specific = all_specific && specific;
    // A factory's value: fresh memory or null, or a local or call whose
    // every value is fresh or another factory's.
    CXCursor x = strip_casts(r);
    if (fresh) continue;
    if (std::string src = call_source(x); !src.empty()) {
      fresh_from.push_back(src);
    } else if (auto it = fresh_valued_locals_.find(usr(clang_getCursorReferenced(x)));
               clang_getCursorKind(x) == CXCursor_DeclRefExpr && it != fresh_valued_locals_.end()) {
      fresh_from.insert(fresh_from.end(), it->second.begin(), it->second.end());
    } else {
      all_fresh = false;
    }
  }
  sort_unique(fresh_from);
  if (all_fresh &&
      std::find(fresh_from.begin(), fresh_from.end(), "pthread_getspecific") == fresh_from.end() &&
      clang_getCanonicalType(clang_getCursorResultType(decl_)).kind == CXType_Pointer) {
    fn_.returns_fresh = true;
    fn_.fresh_sources = std::move(fresh_from);
  }
  // Fresh memory or null only: a factory, not a thread-specific getter.
  if (!all_specific || s.sources.empty()) return;
  fn_.returns_specific = true;
  sort_unique(s.sources);
  fn_.specific_sources = std::move(s.sources);
}

std::string body_walker::receiver_source_of(CXCursor call) {
  CXCursor root = method_call_object(call);
  if (is_null(root)) return "";
  root = strip_casts(root);
  // Down through `*p` and fields held in place to the call that yields the
  // object: `error_->set()` is `error_.operator->()->set()`, `(*p).f()`,
  // `get()->part.f()`. A pointer or reference field on the way leads
  // elsewhere.
  while (true) {
    CXCursorKind k = clang_getCursorKind(root);
    if (k == CXCursor_CallExpr) return call_source(root);
    if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(root) == CXUnaryOperator_Deref) {
      auto kids = children(root);
      if (kids.size() != 1) return "";
      root = strip_casts(kids[0]);
      continue;
    }
    if (k == CXCursor_MemberRefExpr && by_value_field(root)) {
      auto kids = children(root);
      if (kids.empty()) return "";
      CXCursor base = strip_casts(kids[0]);
      // `p->part`: the part of what p points at; `obj.part`: of obj.
      root = base;
      continue;
    }
    return "";
  }
}

void body_walker::note_specific_value(const std::vector<CXCursor>& args) {
  if (args.size() != 2) return;
  fn_.specific_values.push_back(origin_of_arg(args[1]));
}

}  // namespace concheck::analyzer::detail
