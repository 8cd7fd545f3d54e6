// Before-thread-start facts of body_walker (see before_start.hpp for the rule
// that uses them): which locals a body names only as the object of method
// calls, and from where on; whether it uses `this` as a value, and which loop
// a call is in.
//
// Contract: for each local, handed_locals_ records the first mention of it in
// the body (lambdas included) that is not the object of a member-syntax
// method call, `t.f()` or `a[i].f()` (its address taken, a reference or
// pointer bound to it, a lambda naming it, ...), and whether any such mention
// is in a loop. A call on the local gets a receiver_local only when it is
// written before that first mention, in the same file, and either outside
// every loop or no such mention is in a loop: until then no pointer or
// reference to the local exists, so nothing can hand it to a thread.
#include <map>
#include <set>

#include "ast_exit_regions.hpp"
#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

bool is_handle(CXType t) {
  return t.kind == CXType_LValueReference || t.kind == CXType_RValueReference || t.kind == CXType_Pointer;
}

// A local variable of this body holding an object (or an array of them).
bool is_local_object(CXCursor d) {
  return clang_getCursorKind(d) == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(d) == 0 &&
         !is_handle(clang_getCursorType(d));
}

// A local pointer declared with a `new` object as its value (`T* p = new
// T(...)`): until its first mention other than as a method call's object
// (`p->f()`), it is the only name of that object.
bool local_pointer_to_new(CXCursor d) {
  if (clang_getCursorKind(d) != CXCursor_VarDecl || clang_Cursor_hasVarDeclGlobalStorage(d) != 0 ||
      clang_getCanonicalType(clang_getCursorType(d)).kind != CXType_Pointer)
    return false;
  CXCursor init = var_initializer(d);
  return !is_null(init) && clang_getCursorKind(strip(init)) == CXCursor_CXXNewExpr;
}

// The DeclRefExpr a member-syntax method call is made on (`t` of `t.f()`,
// `a` of `a[i].f()`), or a null cursor.
CXCursor receiver_ref(CXCursor call) {
  CXCursor callee = clang_getCursorReferenced(call);
  if (is_null(callee) || clang_getCursorKind(callee) != CXCursor_CXXMethod ||
      clang_CXXMethod_isStatic(callee) != 0)
    return clang_getNullCursor();
  auto kids = children(call);
  if (kids.empty() || clang_getCursorKind(kids[0]) != CXCursor_MemberRefExpr) return clang_getNullCursor();
  auto mk = children(kids[0]);
  if (mk.empty()) return clang_getNullCursor();
  CXCursor x = strip(mk[0]);
  if (clang_getCursorKind(x) == CXCursor_ArraySubscriptExpr) {
    auto ak = children(x);
    if (ak.size() != 2) return clang_getNullCursor();
    x = strip(ak[0]);
  }
  return clang_getCursorKind(x) == CXCursor_DeclRefExpr ? x : clang_getNullCursor();
}

// A builtin (no source location, or a `__builtin_`, `__sync_` or
// `__atomic_` function) or a defaulted special member.
bool provided_by_compiler(CXCursor callee) {
  CXFile file = nullptr;
  clang_getSpellingLocation(clang_getCursorLocation(callee), &file, nullptr, nullptr, nullptr);
  if (file == nullptr) return true;
  std::string name = spelling(callee);
  if (name.rfind("__builtin_", 0) == 0 || name.rfind("__sync_", 0) == 0 || name.rfind("__atomic_", 0) == 0)
    return true;
  CXCursorKind k = clang_getCursorKind(callee);
  bool member = k == CXCursor_CXXMethod || k == CXCursor_Constructor || k == CXCursor_Destructor;
  return member && clang_CXXMethod_isDefaulted(callee) != 0;
}

// `this` or `*this`, under casts.
bool returns_this(CXCursor x) {
  x = strip(x);
  if (clang_getCursorKind(x) == CXCursor_UnaryOperator &&
      clang_getCursorUnaryOperatorKind(x) == CXUnaryOperator_Deref) {
    auto kids = children(x);
    if (kids.size() != 1) return false;
    x = strip(kids[0]);
  }
  return clang_getCursorKind(x) == CXCursor_CXXThisExpr;
}

// A member of this object (`m_`, `this->m_.x`), under casts.
bool names_member_of_this(CXCursor x) {
  x = strip(x);
  if (clang_getCursorKind(x) != CXCursor_MemberRefExpr) return false;
  while (clang_getCursorKind(x) == CXCursor_MemberRefExpr) {
    auto kids = children(x);
    if (kids.empty()) return true;  // implicit this->m_
    x = strip(kids[0]);
  }
  return clang_getCursorKind(x) == CXCursor_CXXThisExpr;
}

// Whether a call hands on a member of this object by address or reference
// (`f(&m_)`, `f(m_)` to a `T&` or `const T&` parameter): a part of `this`
// may become reachable from elsewhere. A member passed by value is a copy.
// A lock member (`guard g(&mutex_)`) is not counted: what it hands on is the
// lock alone, made to be shared; no other member is reachable through it.
bool passes_member_by_reference(CXCursor call, type_classifier& types) {
  auto is_lock = [&](CXCursor member) { return types.is_lockable(clang_getCursorType(strip(member))); };
  CXCursor callee_decl = clang_getCursorReferenced(call);
  if (provided_by_compiler(callee_decl)) return false;  // __sync_fetch_and_add(&v_, 1)
  CXType callee = clang_getCursorType(callee_decl);
  // `m_ = 1` calls m_.operator=(1): argument 0 is the object, not a parameter.
  int n = clang_Cursor_getNumArguments(call);
  int params = clang_getNumArgTypes(callee);
  int skip = clang_getCursorKind(callee_decl) == CXCursor_CXXMethod && params >= 0 && n == params + 1 ? 1 : 0;
  for (int a = skip; a < n; ++a) {
    CXCursor arg = strip(clang_Cursor_getArgument(call, static_cast<unsigned>(a)));
    if (clang_getCursorKind(arg) == CXCursor_UnaryOperator &&
        clang_getCursorUnaryOperatorKind(arg) == CXUnaryOperator_AddrOf) {
      auto ak = children(arg);
      if (ak.size() == 1 && names_member_of_this(ak[0]) && !is_lock(ak[0])) return true;
      continue;
    }
    if (!names_member_of_this(arg) || is_lock(arg)) continue;
    CXType param = clang_getArgType(callee, static_cast<unsigned>(a - skip));
    if (param.kind == CXType_Invalid || param.kind == CXType_LValueReference ||
        param.kind == CXType_RValueReference)
      return true;  // bound to a reference (or unknown: a variadic or unresolved callee)
  }
  return false;
}

// The mentions of locals that are the object of a method call (by the
// expression they are, an expression cursor's data[1]: clang_equalCursors
// also compares the parent declaration, which differs between visits), and
// where each local is first named otherwise (body_walker::handed_local).
struct scan_state {
  scan_state(type_classifier& t, noreturn_oracle& noreturn) : types(t), exits(noreturn) {}
  type_classifier& types;
  std::set<const void*> receivers;
  std::map<std::string, body_walker::handed_local> handed;
  // Mentions of a pointer that only test it against null, and where each
  // local is first named otherwise than those or as a method call's object.
  std::set<const void*> null_tests;
  bool (*is_null_pointer)(CXCursor) = nullptr;
  std::map<std::string, body_walker::handed_local> handed_past_tests;
  // Mentions of a pointer that are an argument of a call to a user function
  // (under casts) or the left side of `=`, and where each local is first
  // named otherwise than those, a test against null or a method call's object
  // (body_walker::handed_past_args_).
  std::set<const void*> call_args;
  std::set<const void*> assigned;
  std::map<std::string, body_walker::handed_local> handed_past_args;
  bool exposes_this = false;
  // The exposures in source order, up to the first the rest of the function
  // may follow (function_facts::exposures).
  std::vector<start_point> exposures;
  exit_regions exits;  // blocks around the scan that end the function
  int loop_depth = 0;
  location loop_start;  // of the outermost loop being scanned
  bool in_lambda = false;
  // Start of the statement of the innermost block (outside lambdas) being
  // scanned: a mention's operands may be evaluated in any order within it.
  location stmt_start;

  void expose(CXCursor where) {
    exposes_this = true;
    // Within a lambda, `this` is exposed where the lambda is written (that
    // point is recorded first, with the region around the lambda).
    if (in_lambda || (!exposures.empty() && exposures.back().reach_end.file.empty())) return;
    location end = exits.reach_end();
    // A bounded number of points: past it, the rest may follow.
    if (exposures.size() + 1 >= kMaxExposures) end = location{};
    exposures.push_back(
        start_point{location_of(where), loop_depth > 0, end, loop_depth > 0 ? loop_start : location{}});
  }
  static constexpr std::size_t kMaxExposures = 16;
};

// `e`, under parentheses and implicit conversions, names a local pointer:
// that DeclRefExpr, else a null cursor.
CXCursor pointer_ref(CXCursor e) {
  CXCursor x = strip(e);
  if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) return clang_getNullCursor();
  CXCursor d = clang_getCursorReferenced(x);
  if (clang_getCursorKind(d) != CXCursor_VarDecl ||
      clang_getCanonicalType(clang_getCursorType(d)).kind != CXType_Pointer)
    return clang_getNullCursor();
  return x;
}

// A test of a pointer against null (`!p`, `p == NULL`, `p != nullptr`, the
// condition of an `if`, `while` or `?:`): the mention it tests, else null.
CXCursor null_test_of(CXCursor c, bool (*is_null_pointer)(CXCursor)) {
  auto kids = children(c);
  switch (clang_getCursorKind(c)) {
    case CXCursor_UnaryOperator:
      if (clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_LNot && kids.size() == 1)
        return pointer_ref(kids[0]);
      break;
    case CXCursor_BinaryOperator: {
      auto op = clang_getCursorBinaryOperatorKind(c);
      if ((op != CXBinaryOperator_EQ && op != CXBinaryOperator_NE) || kids.size() != 2) break;
      for (std::size_t k = 0; k < 2; ++k) {
        CXCursor ref = pointer_ref(kids[k]);
        if (!is_null(ref) && is_null_pointer(kids[1 - k])) return ref;
      }
      break;
    }
    case CXCursor_IfStmt:
    case CXCursor_WhileStmt:
    case CXCursor_ConditionalOperator:
      if (!kids.empty()) return pointer_ref(kids[0]);
      break;
    default:
      break;
  }
  return clang_getNullCursor();
}

CXChildVisitResult scan(CXCursor c, CXCursor parent, CXClientData data) {
  auto& s = *static_cast<scan_state*>(data);
  if (CXCursor tested = null_test_of(c, s.is_null_pointer); !is_null(tested))
    s.null_tests.insert(tested.data[1]);
  switch (clang_getCursorKind(c)) {
    case CXCursor_LambdaExpr: {
      // What a lambda names may be reached from wherever the lambda runs.
      s.expose(c);
      bool was = s.in_lambda;
      s.in_lambda = true;
      clang_visitChildren(c, scan, data);
      s.in_lambda = was;
      return CXChildVisit_Continue;
    }
    case CXCursor_BinaryOperator: {
      // `&other == this` compares, it hands nothing on: visit the other side.
      auto op = clang_getCursorBinaryOperatorKind(c);
      auto kids = children(c);
      if (op == CXBinaryOperator_Assign && kids.size() == 2) {
        if (CXCursor lhs = pointer_ref(kids[0]); !is_null(lhs)) s.assigned.insert(lhs.data[1]);
      }
      if (op < CXBinaryOperator_LT || op > CXBinaryOperator_NE || kids.size() != 2) break;
      bool left = clang_getCursorKind(strip(kids[0])) == CXCursor_CXXThisExpr;
      bool right = clang_getCursorKind(strip(kids[1])) == CXCursor_CXXThisExpr;
      if (!left && !right) break;
      for (std::size_t k = 0; k < 2; ++k) {
        bool is_this = k == 0 ? left : right;
        if (!is_this && scan(kids[k], c, data) == CXChildVisit_Recurse)
          clang_visitChildren(kids[k], scan, data);
      }
      return CXChildVisit_Continue;
    }
    case CXCursor_CompoundStmt: {
      if (s.in_lambda) break;
      exit_regions::scope region(s.exits, c);
      location was = s.stmt_start;
      for (CXCursor k : children(c)) {
        s.stmt_start = expansion_location(clang_getRangeStart(clang_getCursorExtent(k)));
        if (scan(k, c, data) == CXChildVisit_Recurse) clang_visitChildren(k, scan, data);
      }
      s.stmt_start = was;
      return CXChildVisit_Continue;
    }
    case CXCursor_CXXThisExpr:
      if (clang_getCursorKind(parent) != CXCursor_MemberRefExpr) s.expose(c);  // `this->m_` keeps it here
      break;
    case CXCursor_WhileStmt:
    case CXCursor_ForStmt:
    case CXCursor_DoStmt:
    case CXCursor_CXXForRangeStmt:
      if (s.loop_depth++ == 0) s.loop_start = location_of(c);
      clang_visitChildren(c, scan, data);
      --s.loop_depth;
      return CXChildVisit_Continue;
    case CXCursor_ReturnStmt: {
      // `return *this;` / `return this;` hands the caller the object it
      // called the method on; the caller is judged for what it does with it.
      auto kids = children(c);
      if (kids.size() == 1 && returns_this(kids[0])) return CXChildVisit_Continue;
      if (s.in_lambda) break;
      exit_regions::scope region(s.exits, c);
      clang_visitChildren(c, scan, data);
      return CXChildVisit_Continue;
    }
    case CXCursor_CXXTryStmt:
    case CXCursor_ClassDecl:
    case CXCursor_StructDecl: {
      // A handler runs code after a region that throws; a local class's
      // methods run whenever they are called (ast_exit_regions.hpp).
      exit_regions::barrier untrusted(s.exits);
      clang_visitChildren(c, scan, data);
      return CXChildVisit_Continue;
    }
    case CXCursor_CallExpr: {
      // The result of a method that returns a reference or pointer (`*this`
      // of an operator=) used in an expression may be the object itself.
      bool result_used = clang_getCursorKind(parent) != CXCursor_CompoundStmt &&
                         is_handle(clang_getCursorResultType(clang_getCursorReferenced(c)));
      CXCursor r = receiver_ref(c);
      if (!is_null(r) && !s.in_lambda && !result_used) s.receivers.insert(r.data[1]);
      if (passes_member_by_reference(c, s.types)) s.expose(c);
      // A user function's argument: the callee's summary decides what
      // happens to it (ownership.hpp); a library call (a container's
      // push_back) may store it anywhere.
      if (CXCursor callee = clang_getCursorReferenced(c); !is_null(callee) && !in_system_header(callee)) {
        int n = clang_Cursor_getNumArguments(c);
        for (int a = 0; a < n; ++a) {
          CXCursor arg = strip_casts(clang_Cursor_getArgument(c, static_cast<unsigned>(a)));
          if (clang_getCursorKind(arg) == CXCursor_DeclRefExpr) s.call_args.insert(arg.data[1]);
        }
      }
      if (result_used) {
        CXCursor object = method_call_object(c);
        if (!is_null(object) &&
            (names_member_of_this(object) || clang_getCursorKind(strip(object)) == CXCursor_CXXThisExpr))
          s.expose(c);
      }
      break;
    }
    case CXCursor_DeclRefExpr: {
      CXCursor d = clang_getCursorReferenced(c);
      if (clang_getCursorKind(d) != CXCursor_VarDecl) break;
      if (!s.in_lambda && s.receivers.count(c.data[1]) != 0) break;
      // Handed from the start of its statement on (a lambda's: the lambda's).
      const location& where = s.stmt_start;
      auto note = [&](std::map<std::string, body_walker::handed_local>& handed) {
        auto [it, fresh] = handed.try_emplace(usr(d), body_walker::handed_local{where, s.loop_depth > 0});
        if (!fresh) {
          if (location_before(where, it->second.first)) it->second.first = where;
          it->second.in_loop = it->second.in_loop || s.loop_depth > 0;
        }
      };
      note(s.handed);
      if (s.in_lambda || s.null_tests.count(c.data[1]) == 0) note(s.handed_past_tests);
      if (s.in_lambda || (s.null_tests.count(c.data[1]) == 0 && s.call_args.count(c.data[1]) == 0 &&
                          s.assigned.count(c.data[1]) == 0))
        note(s.handed_past_args);
      break;
    }
    default:
      break;
  }
  return CXChildVisit_Recurse;
}

// Whether `e` may change `var` (USR): an assignment, a compound assignment,
// an increment or decrement of it, its address taken, a reference bound to
// it, or passing it to a call whose parameter is not a value or a const
// reference (an unknown callee's included).
bool changes(CXCursor e, const std::string& var) {
  struct state {
    const std::string& var;
    bool found = false;
  } st{var};
  auto names_var = [&](CXCursor x) {
    x = strip(x);
    return clang_getCursorKind(x) == CXCursor_DeclRefExpr && usr(clang_getCursorReferenced(x)) == var;
  };
  auto check = [&](CXCursor c) {
    CXCursorKind k = clang_getCursorKind(c);
    auto kids = children(c);
    if (k == CXCursor_UnaryOperator && !kids.empty()) {
      auto op = clang_getCursorUnaryOperatorKind(c);
      if (op != CXUnaryOperator_Plus && op != CXUnaryOperator_Minus && op != CXUnaryOperator_Not &&
          op != CXUnaryOperator_LNot && op != CXUnaryOperator_Deref && names_var(kids[0]))
        st.found = true;  // ++i, i--, &i
    } else if (((k == CXCursor_BinaryOperator &&
                 clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) ||
                k == CXCursor_CompoundAssignOperator) &&
               !kids.empty()) {
      if (names_var(kids[0])) st.found = true;
    } else if (k == CXCursor_VarDecl && is_handle(clang_getCursorType(c)) && !kids.empty()) {
      if (names_var(kids.back())) st.found = true;  // int& r = i
    } else if (k == CXCursor_CallExpr) {
      // Passed to a reference to non-const: the callee may change it.
      CXType callee = clang_getCursorType(clang_getCursorReferenced(c));
      int n = clang_Cursor_getNumArguments(c);
      for (int a = 0; a < n; ++a) {
        if (!names_var(clang_Cursor_getArgument(c, static_cast<unsigned>(a)))) continue;
        CXType param = clang_getArgType(callee, static_cast<unsigned>(a));
        bool by_value = param.kind != CXType_Invalid && !is_handle(param);
        bool const_ref = param.kind == CXType_LValueReference &&
                         clang_isConstQualifiedType(clang_getPointeeType(param)) != 0;
        if (!by_value && !const_ref) st.found = true;
      }
    }
  };
  check(e);
  std::vector<CXCursor> todo{e};
  while (!todo.empty() && !st.found) {
    CXCursor c = todo.back();
    todo.pop_back();
    for (CXCursor k : children(c)) {
      check(k);
      todo.push_back(k);
    }
  }
  return st.found;
}

// The index variable of `for (int i = ...; ...; ++i)` whose body and
// condition never change it, or "".
std::string for_index(CXCursor loop) {
  if (clang_getCursorKind(loop) != CXCursor_ForStmt) return "";
  auto kids = children(loop);
  if (kids.size() != 4) return "";  // init, condition, increment, body
  if (clang_getCursorKind(kids[0]) != CXCursor_DeclStmt) return "";
  auto decls = children(kids[0]);
  if (decls.size() != 1 || clang_getCursorKind(decls[0]) != CXCursor_VarDecl) return "";
  CXTypeKind tk = clang_getCanonicalType(clang_getCursorType(decls[0])).kind;
  if (tk < CXType_Char_U || tk > CXType_Int128) return "";  // an integer index
  std::string var = usr(decls[0]);
  CXCursor inc = strip(kids[2]);
  bool steps = false;
  if (clang_getCursorKind(inc) == CXCursor_UnaryOperator) {
    auto op = clang_getCursorUnaryOperatorKind(inc);
    steps = op == CXUnaryOperator_PreInc || op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PreDec ||
            op == CXUnaryOperator_PostDec;
    auto ik = children(inc);
    steps = steps && ik.size() == 1 && clang_getCursorKind(strip(ik[0])) == CXCursor_DeclRefExpr &&
            usr(clang_getCursorReferenced(strip(ik[0]))) == var;
  }
  if (!steps || changes(kids[1], var) || changes(kids[3], var)) return "";
  return var;
}

}  // namespace

void body_walker::scan_handed_locals(CXCursor body) {
  scan_state s(tu_.types, tu_.noreturn);
  s.is_null_pointer = &body_walker::is_null_pointer;
  // The body itself, so that its statements set stmt_start.
  if (scan(body, clang_getNullCursor(), &s) == CXChildVisit_Recurse) clang_visitChildren(body, scan, &s);
  handed_locals_ = std::move(s.handed);
  handed_past_tests_ = std::move(s.handed_past_tests);
  handed_past_args_ = std::move(s.handed_past_args);
  if (s.exposes_this && !fn_.exposes_this) fn_.exposures = std::move(s.exposures);
  fn_.exposes_this = fn_.exposes_this || s.exposes_this;
}

bool body_walker::compiler_provided(CXCursor callee) {
  return provided_by_compiler(callee);
}

void body_walker::enter_outer_loop(CXCursor loop) {
  outer_loop_ = loops_seen_++;
  fn_.loop_starts.resize(static_cast<std::size_t>(loops_seen_));
  fn_.loop_starts.back() = location_of(loop);
  loop_index_ = for_index(loop);
}

void body_walker::note_receiver_fresh(CXCursor call, call_fact& fact) const {
  CXCursor r = receiver_ref(call);
  if (is_null(r)) return;
  CXCursor d = clang_getCursorReferenced(r);
  std::string id = usr(d);
  auto values = fresh_valued_locals_.find(id);
  if (values == fresh_valued_locals_.end() || own_locals_.count(id) == 0) return;
  if (auto handed = handed_past_tests_.find(id); handed != handed_past_tests_.end()) {
    // Named otherwise only in a statement after this call's end, outside its loop.
    location end = expansion_location(clang_getRangeEnd(clang_getCursorExtent(call)));
    const location& first = handed->second.first;
    bool before = end.file == first.file && location_before(end, first);
    if (!before || (outer_loop_ >= 0 && handed->second.in_loop)) return;
  }
  fact.receiver_fresh = id;
  for (const auto& src : values->second) fact.receiver_fresh_sources.emplace_back(src);
}

void body_walker::note_receiver_local(CXCursor call, call_fact& fact) const {
  CXCursor r = receiver_ref(call);
  if (is_null(r)) return;
  CXCursor d = clang_getCursorReferenced(r);
  std::string id = usr(d);
  // A pointer to a `new` object counts as that object while it still
  // holds it (fresh_locals_: not handed on, not given another value).
  bool fresh_pointer = local_pointer_to_new(d) && fresh_locals_.count(id) != 0;
  if (!(is_local_object(d) || fresh_pointer) || own_locals_.count(id) == 0) return;
  auto handed = handed_locals_.find(id);
  if (handed != handed_locals_.end()) {
    // Named otherwise (`&L`) only in a statement after this call's end,
    // outside its loop.
    location end = expansion_location(clang_getRangeEnd(clang_getCursorExtent(call)));
    const location& first = handed->second.first;
    bool before = end.file == first.file && location_before(end, first);
    if (!before || (outer_loop_ >= 0 && handed->second.in_loop)) return;
  }
  fact.receiver_local = id;
  // `a[i].f()` with `i` the index of the one loop around the call.
  auto kids = children(call);
  CXCursor object = strip(children(kids[0])[0]);
  if (clang_getCursorKind(object) != CXCursor_ArraySubscriptExpr || loop_depth_ != 1 || loop_index_.empty())
    return;
  auto ak = children(object);
  CXCursor index = strip(ak[1]);
  fact.receiver_per_iteration = clang_getCursorKind(index) == CXCursor_DeclRefExpr &&
                                usr(clang_getCursorReferenced(index)) == loop_index_ &&
                                clang_getCanonicalType(clang_getCursorType(d)).kind == CXType_ConstantArray;
}

}  // namespace concheck::analyzer::detail
