// Ownership facts of body_walker: where a call's arguments come from (a local
// of this call, memory it just allocated, one of its parameters, `this`, or
// anything else), and local pointers that stand for a local or a parameter.
//
// Contract: origin_of_arg() never calls something owned that another thread
// can reach through this function alone: a global, a pointer or reference not
// known to alias a local or parameter, a local a lambda captures by reference
// (recorded with its USR and turned to shared by extract_facts), or any
// expression it does not recognize is `shared`. The callee's parameter is
// judged from every call site's origin in build_program (ownership.cpp).
#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

bool is_handle_type(CXType t) {
  return t.kind == CXType_LValueReference || t.kind == CXType_RValueReference || t.kind == CXType_Pointer;
}

}  // namespace

// `v[i]`, `v.at(i)`, `v.front()`, `v.back()` on a standard library container:
// a reference to an element the container holds in place, so reached only
// through the container (docs/analyzer-checks.md, "Ownership"). The
// container's expression, or null.
CXCursor container_of_element(CXCursor call) {
  CXCursor callee = clang_getCursorReferenced(call);
  if (is_null(callee) || clang_getCursorKind(callee) != CXCursor_CXXMethod || !in_system_header(callee))
    return clang_getNullCursor();
  std::string name = spelling(callee);
  if (name != "operator[]" && name != "at" && name != "front" && name != "back") return clang_getNullCursor();
  if (clang_getCanonicalType(clang_getResultType(clang_getCursorType(callee))).kind != CXType_LValueReference)
    return clang_getNullCursor();
  CXCursor parent = clang_getCursorSemanticParent(callee);
  CXCursor tmpl = clang_getSpecializedCursorTemplate(parent);
  std::string cls = spelling(is_null(tmpl) ? parent : tmpl);
  static const char* const kContainers[] = {"vector", "array", "deque", "basic_string"};
  bool container = false;
  for (const char* c : kContainers) container = container || cls == c;
  if (!container) return clang_getNullCursor();
  return method_call_object(call);
}

int body_walker::param_index(CXCursor parm_decl) const {
  std::string id = usr(parm_decl);
  for (std::size_t i = 0; i < fn_.params.size(); ++i) {
    if (fn_.params[i] == id) return static_cast<int>(i);
  }
  return -1;
}

arg_origin body_walker::origin_of_arg(CXCursor arg) {
  using kind = arg_origin::kind;
  CXCursor x = strip_casts(arg);
  bool address_of = false;
  if (clang_getCursorKind(x) == CXCursor_UnaryOperator &&
      clang_getCursorUnaryOperatorKind(x) == CXUnaryOperator_AddrOf) {
    auto kids = children(x);
    if (kids.size() != 1) return {};
    x = strip_casts(kids[0]);
    address_of = true;
  }
  CXCursorKind k = clang_getCursorKind(x);
  if (k == CXCursor_CXXThisExpr) return arg_origin{kind::this_object, -1, {}};
  if (k == CXCursor_CXXNewExpr) return arg_origin{kind::owned, -1, {}};
  if (k == CXCursor_GNUNullExpr) return arg_origin{kind::owned, -1, {}};  // NULL points at nothing
  if ((k >= CXCursor_IntegerLiteral && k <= CXCursor_CharacterLiteral) ||
      k == CXCursor_CXXNullPtrLiteralExpr || k == CXCursor_CXXBoolLiteralExpr)
    return arg_origin{kind::owned, -1, {}};
  if (k == CXCursor_CallExpr) {
    // An element of a container comes from where the container does: `*v` is
    // the container `v` points at.
    // Not the value of an element that is itself a pointer (`T* p = v[i]`):
    // that points elsewhere.
    CXCursor container = container_of_element(x);
    if (!address_of && clang_getCanonicalType(clang_getCursorType(x)).kind == CXType_Pointer)
      container = clang_getNullCursor();
    if (!is_null(container)) {
      CXCursor c = strip_casts(container);
      if (clang_getCursorKind(c) == CXCursor_UnaryOperator &&
          clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_Deref) {
        auto kids = children(c);
        return kids.size() == 1 ? origin_of_arg(kids[0]) : arg_origin{};
      }
      return origin_of_arg(c);
    }
  }
  if (k == CXCursor_CallExpr && !address_of) {
    // A temporary (a constructed object, a call returning by value) is this call's own.
    CXCursor callee = clang_getCursorReferenced(x);
    if (is_null(callee)) return {};
    // A function that hands back its argument (`as_socket_base_t (s_)`,
    // ast_pass_through.cpp): the result comes from where that argument does.
    if (int handed = tu_.returned_param(callee, &body_walker::is_null_pointer);
        handed >= 0 && handed < clang_Cursor_getNumArguments(x))
      return origin_of_arg(clang_Cursor_getArgument(x, static_cast<unsigned>(handed)));
    if (clang_getCursorKind(callee) == CXCursor_Constructor) return arg_origin{kind::owned, -1, {}};
    if (!is_handle_type(clang_getResultType(clang_getCursorType(callee))))
      return arg_origin{kind::owned, -1, {}};
    return {};
  }
  // Down to the root of `a.b.c` / `p->b`.
  CXCursor root = x;
  bool through_member = false;
  while (clang_getCursorKind(root) == CXCursor_MemberRefExpr) {
    auto rk = children(root);
    if (rk.empty()) return arg_origin{kind::this_object, -1, {}};  // implicit this->member
    through_member = true;
    root = strip_casts(rk[0]);
  }
  if (clang_getCursorKind(root) == CXCursor_CXXThisExpr) return arg_origin{kind::this_object, -1, {}};
  if (clang_getCursorKind(root) != CXCursor_DeclRefExpr) return {};
  CXCursor d = clang_getCursorReferenced(root);
  CXCursorKind dk = clang_getCursorKind(d);
  if (dk != CXCursor_VarDecl && dk != CXCursor_ParmDecl) return {};
  if (dk == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(d) == 1)
    return arg_origin{kind::shared_root, -1, {}};
  std::string id = usr(d);
  bool handle = is_handle_type(clang_getCursorType(d));
  // `&p` of a pointer variable itself (no member in between) points at a local.
  bool names_the_variable = address_of && !through_member;
  if (dk == CXCursor_ParmDecl) {
    int index = param_index(d);
    if (index < 0) return {};
    if (handle && !names_the_variable) return arg_origin{kind::param, index, {}};
    return arg_origin{kind::owned, -1, {}};  // a by-value parameter is this call's copy
  }
  if (is_lambda_ && own_locals_.count(id) == 0) {  // a capture: the enclosing call's
    std::string n = spelling(d);
    bool by_ref = lambda_.by_ref.count(n) != 0 || (lambda_.by_ref_default && lambda_.by_copy.count(n) == 0);
    return by_ref ? arg_origin{kind::shared_root, -1, {}} : arg_origin{};
  }
  if (escaped(d) || published_locals_.count(id) != 0) return arg_origin{kind::shared_root, -1, {}};
  if (handle && !names_the_variable) {
    if (fresh_locals_.count(id) != 0) return arg_origin{kind::owned, -1, {}};
    if (auto a = param_alias_.find(id); a != param_alias_.end())
      return arg_origin{kind::param, a->second, {}};
    // Every value fresh memory, null or a user function's result, and named
    // only as a call's argument, a method call's object or in tests against
    // null (`void *s = zmq_socket (ctx, ZMQ_PUSH); zmq_connect (s, ...)`):
    // this call's own if those functions are factories (ownership.cpp).
    if (auto v = fresh_valued_locals_.find(id);
        v != fresh_valued_locals_.end() && own_locals_.count(id) != 0 && handed_past_args_.count(id) == 0) {
      arg_origin o{kind::owned, -1, {}};
      for (const auto& src : v->second) o.fresh_sources.emplace_back(src);
      return o;
    }
    return {};
  }
  return arg_origin{kind::owned, -1, id};
}

bool body_walker::stored_in_global(CXCursor lhs) const {
  CXCursor x = strip_casts(lhs);
  while (clang_getCursorKind(x) == CXCursor_MemberRefExpr) {
    auto kids = children(x);
    if (kids.empty()) return false;  // this->member: shared only where `this` is
    x = strip_casts(kids[0]);
  }
  if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) return false;
  CXCursor d = clang_getCursorReferenced(x);
  return clang_getCursorKind(d) == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(d) == 1;
}

bool body_walker::escaped(CXCursor decl) const {
  return all_escaped_ || escaped_locals_.count(usr(decl)) != 0 || escaped_names_.count(spelling(decl)) != 0;
}

void body_walker::mark_escaped(CXCursor arg) {
  CXCursor x = strip_casts(arg);
  if (clang_getCursorKind(x) == CXCursor_UnaryOperator) {
    auto kids = children(x);
    if (kids.size() == 1) x = strip_casts(kids[0]);
  }
  if (clang_getCursorKind(x) == CXCursor_CallExpr) {  // std::ref(x) as an argument
    int n = clang_Cursor_getNumArguments(x);
    if (n == 1) return mark_escaped(clang_Cursor_getArgument(x, 0));
  }
  while (clang_getCursorKind(x) == CXCursor_MemberRefExpr) {
    auto kids = children(x);
    if (kids.empty()) return;
    x = strip_casts(kids[0]);
  }
  if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) return;
  CXCursor d = clang_getCursorReferenced(x);
  std::string id = usr(d);
  escaped_locals_.insert(id);
  unfresh(id);  // a pointer handed on: its object is published
}

bool body_walker::is_null_pointer(CXCursor e) {
  CXCursor x = strip_casts(e);
  CXCursorKind k = clang_getCursorKind(x);
  if (k == CXCursor_CXXNullPtrLiteralExpr || k == CXCursor_GNUNullExpr) return true;
  if (k != CXCursor_IntegerLiteral) return false;
  CXEvalResult r = clang_Cursor_Evaluate(x);  // the literal's value, also inside a macro
  if (r == nullptr) return false;
  bool zero = clang_EvalResult_getKind(r) == CXEval_Int && clang_EvalResult_getAsLongLong(r) == 0;
  clang_EvalResult_dispose(r);
  return zero;
}

std::string body_walker::fresh_array_of(CXCursor e) const {
  auto fresh_pointer = [&](CXCursor x) -> std::string {
    x = strip_casts(x);
    if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) return "";
    CXCursor d = clang_getCursorReferenced(x);
    if (clang_getCursorKind(d) != CXCursor_VarDecl || clang_getCursorType(d).kind != CXType_Pointer)
      return "";
    std::string id = usr(d);
    return fresh_locals_.count(id) != 0 ? id : "";
  };
  CXCursor x = strip_casts(e);
  auto kids = children(x);
  CXCursorKind k = clang_getCursorKind(x);
  if (k == CXCursor_BinaryOperator && kids.size() == 2) {
    auto op = clang_getCursorBinaryOperatorKind(x);
    if (op == CXBinaryOperator_Add) {
      std::string a = fresh_pointer(kids[0]);
      return a.empty() ? fresh_pointer(kids[1]) : a;
    }
    if (op == CXBinaryOperator_Sub) return fresh_pointer(kids[0]);
    return "";
  }
  if (k == CXCursor_DeclRefExpr) return fresh_pointer(x);  // `(T*)a`: the same memory
  if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(x) == CXUnaryOperator_AddrOf &&
      kids.size() == 1) {
    CXCursor sub = strip_casts(kids[0]);
    auto sk = children(sub);
    if (clang_getCursorKind(sub) == CXCursor_ArraySubscriptExpr && sk.size() == 2)
      return fresh_pointer(sk[0]);
  }
  return "";
}

void body_walker::note_pointer_assign(CXCursor lhs, CXCursor rhs) {
  lhs = strip(lhs);
  bool to_variable = clang_getCursorKind(lhs) == CXCursor_DeclRefExpr;
  CXCursor target = clang_getCursorReferenced(lhs);
  bool to_local = to_variable && clang_getCursorKind(target) == CXCursor_VarDecl &&
                  clang_Cursor_hasVarDeclGlobalStorage(target) == 0 &&
                  clang_getCursorType(target).kind == CXType_Pointer;
  bool from_new = clang_getCursorKind(strip(rhs)) == CXCursor_CXXNewExpr;
  std::string array = from_new ? "" : fresh_array_of(rhs);
  if (to_local && !array.empty()) {
    note_fresh_element(usr(target), array);  // `p = a + i`, `cc = (T*)data`: this call's own memory
    return;
  }
  // Given anything but null (`p = nullptr` after a delete points at nothing),
  // p no longer points at fresh memory.
  if (to_variable && !from_new && !is_null_pointer(rhs)) fresh_locals_.erase(usr(target));
  if (to_variable && !array.empty()) unfresh(array);  // `g_slots = a + i`: published
  // `head = n`: the object n points at is published, no longer this call's own.
  CXCursor r = strip_casts(rhs);
  if (clang_getCursorKind(r) == CXCursor_DeclRefExpr) {
    std::string id = usr(clang_getCursorReferenced(r));
    // Stored into memory this call alone owns (`pe->self = pe`, `n->next =
    // m` with n fresh): reachable only through that memory, so published
    // with it, not before (fixture neg_fresh_self_link).
    if (std::string holder = fresh_holder_of(lhs); !holder.empty() && fresh_locals_.count(id) != 0) {
      if (holder != id) {
        fresh_parts_[holder].insert(id);
        fresh_parts_[id].insert(holder);
      }
      return;
    }
    unfresh(id);
    if (stored_in_global(lhs)) published_locals_.insert(id);  // `g_table = t`: shared from here on
  }
}

std::string body_walker::fresh_holder_of(CXCursor lhs) const {
  CXCursor x = strip_casts(lhs);
  if (clang_getCursorKind(x) != CXCursor_MemberRefExpr) return "";
  while (clang_getCursorKind(x) == CXCursor_MemberRefExpr) {
    auto kids = children(x);
    if (kids.empty()) return "";  // this->member
    x = strip_casts(kids[0]);
  }
  if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) return "";
  CXCursor d = clang_getCursorReferenced(x);
  if (clang_getCursorKind(d) != CXCursor_VarDecl || clang_getCursorType(d).kind != CXType_Pointer) return "";
  std::string id = usr(d);
  return fresh_locals_.count(id) != 0 ? id : "";
}

void body_walker::note_fresh_element(const std::string& pointer, const std::string& array) {
  fresh_locals_.insert(pointer);
  fresh_parts_[array].insert(pointer);
  fresh_parts_[pointer].insert(array);
}

void body_walker::unfresh(const std::string& id) {
  std::vector<std::string> todo{id};
  while (!todo.empty()) {
    std::string x = std::move(todo.back());
    todo.pop_back();
    if (fresh_locals_.erase(x) == 0) continue;
    if (auto it = fresh_parts_.find(x); it != fresh_parts_.end())
      todo.insert(todo.end(), it->second.begin(), it->second.end());
  }
}

void body_walker::escape_captures(const lambda_capture& capture) {
  if (capture.by_ref_default) all_escaped_ = true;
  escaped_names_.insert(capture.by_ref.begin(), capture.by_ref.end());
}

int body_walker::receiver_param_of(CXCursor call) {
  CXCursor object = method_call_object(call);
  if (is_null(object)) return -1;
  // `(*out)->f()` on the fresh object an out parameter's slot holds
  // (ast_out_params.cpp): owned where that parameter is.
  if (CXCursor o = strip_casts(object); clang_getCursorKind(o) == CXCursor_UnaryOperator &&
                                        clang_getCursorUnaryOperatorKind(o) == CXUnaryOperator_Deref) {
    auto kids = children(o);
    CXCursor p = kids.size() == 1 ? strip_casts(kids[0]) : clang_getNullCursor();
    if (!is_null(p) && clang_getCursorKind(p) == CXCursor_DeclRefExpr) {
      CXCursor d = clang_getCursorReferenced(p);
      if (clang_getCursorKind(d) == CXCursor_ParmDecl && fresh_out_params_.count(usr(d)) != 0)
        return param_index(d);
    }
  }
  arg_origin o = origin_of_arg(object);
  return o.what == arg_origin::kind::param ? o.param : -1;
}

void body_walker::add_callback_calls(CXCursor call, const std::vector<CXCursor>& args) {
  for (CXCursor a : args) {
    CXCursor x = strip_casts(a);
    if (clang_getCursorKind(x) == CXCursor_UnaryOperator) {
      auto kids = children(x);
      if (kids.size() == 1) x = strip_casts(kids[0]);
    }
    if (clang_getCursorKind(x) != CXCursor_DeclRefExpr) continue;
    CXCursor f = clang_getCursorReferenced(x);
    CXCursorKind fk = clang_getCursorKind(f);
    bool function =
        fk == CXCursor_FunctionDecl || (fk == CXCursor_CXXMethod && clang_CXXMethod_isStatic(f) != 0);
    if (!function || in_system_header(f)) continue;
    std::string id = usr(f);
    if (id.empty()) continue;
    call_fact cb{id, location_of(call), state_.snapshot(), {}, call_fact::receiver_kind::none, {}};
    int n = clang_Cursor_getNumArguments(f);
    for (int k = 0; k < n; ++k) {
      CXType want =
          clang_getCanonicalType(clang_getCursorType(clang_Cursor_getArgument(f, static_cast<unsigned>(k))));
      arg_origin o;
      if (want.kind == CXType_Pointer) {
        for (CXCursor b : args) {
          if (clang_equalTypes(clang_getCanonicalType(clang_getCursorType(b)), want) != 0) {
            o = origin_of_arg(b);
            break;
          }
        }
      }
      cb.arg_origins.push_back(o);
    }
    // `schedule(&T::work, this)` hands the object to a function that usually
    // runs it later on another thread: no call made here.
    bool hands_on_this = false;
    for (const auto& o : cb.arg_origins) hands_on_this |= o.what == arg_origin::kind::this_object;
    if (!hands_on_this) fn_.calls.push_back(std::move(cb));
  }
}

std::vector<arg_origin> body_walker::origins_of(const std::vector<CXCursor>& args) {
  std::vector<arg_origin> out;
  out.reserve(args.size());
  for (CXCursor a : args) out.push_back(origin_of_arg(a));
  return out;
}

void body_walker::note_pointer_local(CXCursor var, CXCursor init) {
  if (!is_handle_type(clang_getCursorType(var)) || is_null(init)) return;
  std::string id = usr(var);
  if (std::string array = fresh_array_of(init); !array.empty()) {
    note_fresh_element(id, array);  // `T* p = a + i`, `&a[i]` of a fresh `new T[n]`
    return;
  }
  arg_origin o = origin_of_arg(init);
  if (o.what == arg_origin::kind::param) {
    param_alias_[id] = o.param;
    return;
  }
  CXCursorKind k = clang_getCursorKind(strip_casts(init));
  bool names_an_object =
      k == CXCursor_UnaryOperator || k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr;
  if (o.what == arg_origin::kind::owned && names_an_object &&
      (o.local.empty() || tu_.captured_locals.count(o.local) == 0)) {
    fresh_locals_.insert(id);  // `T* p = &local`, `T& r = local`: this call's own object
  }
}

}  // namespace concheck::analyzer::detail
