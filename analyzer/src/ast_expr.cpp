// Expression-level work of body_walker: accesses (reads and writes of data
// that may be shared), calls, thread starts, condition-variable waits,
// blocking calls and lambdas.
#include <algorithm>

#include "ast_callee.hpp"
#include "ast_lock_identity.hpp"
#include "ast_member_stores.hpp"
#include "ast_util.hpp"
#include "ast_walker.hpp"
#include "stack_budget.hpp"

namespace concheck::analyzer::detail {

namespace {

bool is_assignment_operator_name(const std::string& n) {
  if (n.rfind("operator", 0) != 0) return false;
  std::string op = n.substr(8);
  return op == "=" || op == "+=" || op == "-=" || op == "*=" || op == "/=" || op == "%=" || op == "&=" ||
         op == "|=" || op == "^=" || op == "<<=" || op == ">>=" || op == "++" || op == "--";
}

bool is_blocking_function(const std::string& qualified) {
  static const char* const names[] = {"std::this_thread::sleep_for",
                                      "std::this_thread::sleep_until",
                                      "sleep",
                                      "usleep",
                                      "nanosleep",
                                      "read",
                                      "write",
                                      "recv",
                                      "send",
                                      "accept",
                                      "connect",
                                      "poll",
                                      "select",
                                      "epoll_wait",
                                      "fgets",
                                      "fread",
                                      "fwrite",
                                      "getchar",
                                      "scanf",
                                      "std::getline",
                                      "pthread_join"};
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return qualified == n; });
}

// Whether a method call's object is this object or a member of it held by
// value (`f()`, `this->m_.f()`, `parts_[i].f()`, every link a field that is no
// pointer or reference), as by_value_field does for accesses.
bool in_this_by_value(CXCursor call) {
  CXCursor object = method_call_object(call);
  if (is_null(object)) return true;  // an implicit this->f()
  CXCursor root = strip(object);
  bool by_value = true;
  while (clang_getCursorKind(root) == CXCursor_MemberRefExpr ||
         clang_getCursorKind(root) == CXCursor_ArraySubscriptExpr) {
    if (clang_getCursorKind(root) == CXCursor_MemberRefExpr) by_value = by_value && by_value_field(root);
    auto rk = children(root);
    if (rk.empty()) return by_value;  // implicit this->member
    root = strip(rk[0]);
  }
  return by_value && clang_getCursorKind(root) == CXCursor_CXXThisExpr;
}

// For a call in_this_by_value on a member of this object (not `this`
// itself): the fields on the way, innermost first, as USRs joined by '/'
// (an element of a member array adds "[]"). It names one member of every
// object of the caller's class, whatever the spelling (call_fact::receiver_member).
std::string member_of_this(CXCursor call) {
  CXCursor object = method_call_object(call);
  if (is_null(object)) return "";
  CXCursor root = strip(object);
  std::string out;
  while (clang_getCursorKind(root) == CXCursor_MemberRefExpr ||
         clang_getCursorKind(root) == CXCursor_ArraySubscriptExpr) {
    if (clang_getCursorKind(root) == CXCursor_MemberRefExpr) {
      out += (out.empty() ? "" : "/") + usr(clang_getCursorReferenced(root));
    } else {
      out += "[]";
    }
    auto rk = children(root);
    if (rk.empty()) break;  // implicit this->member
    root = strip(rk[0]);
  }
  return out;
}

lambda_capture parse_capture(CXCursor lambda) {
  lambda_capture out;
  auto tokens = tokens_of(lambda);
  if (tokens.empty() || tokens[0] != "[") return out;
  for (std::size_t i = 1; i < tokens.size() && tokens[i] != "]"; ++i) {
    const std::string& t = tokens[i];
    if (t == "&") {
      if (i + 1 < tokens.size() && (tokens[i + 1] == "," || tokens[i + 1] == "]")) {
        out.by_ref_default = true;
      } else if (i + 1 < tokens.size()) {
        out.by_ref.insert(tokens[++i]);
      }
    } else if (t != "," && t != "=" && t != "this" && t != "*") {
      out.by_copy.insert(t);
    }
  }
  return out;
}

}  // namespace

void body_walker::walk_children(CXCursor c) {
  for (CXCursor k : children(c)) walk_expr(k);
}

void body_walker::walk_expr(CXCursor c) {
  ++depth_;  // bounded like walk_stmt: see kMaxDepth
  struct leave {
    int& d;
    ~leave() { --d; }
  } on_exit{depth_};
  if (depth_ > kMaxDepth || stack_nearly_exhausted()) {
    note_walk_cut(c);
    return;
  }
  switch (clang_getCursorKind(c)) {
    case CXCursor_BinaryOperator: {
      auto kids = children(c);
      if (clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign && kids.size() == 2) {
        // `p = new T`: until published, *p is this function's own object.
        CXCursor lhs = strip(kids[0]);
        if (clang_getCursorKind(strip(kids[1])) == CXCursor_CXXNewExpr &&
            clang_getCursorKind(lhs) == CXCursor_DeclRefExpr) {
          fresh_locals_.insert(usr(clang_getCursorReferenced(lhs)));
        }
        note_pointer_assign(lhs, kids[1]);
        walk_expr(kids[1]);
        record_access(kids[0], true);
        return;
      }
      auto op = clang_getCursorBinaryOperatorKind(c);
      if ((op == CXBinaryOperator_LAnd || op == CXBinaryOperator_LOr) && kids.size() == 2) {
        // The right side runs on some paths only (`ok || fail()`).
        walk_expr(kids[0]);
        flow_state skipped = state_;
        walk_expr(kids[1]);
        state_ = join(skipped, state_);
        return;
      }
      return walk_children(c);
    }
    case CXCursor_ConditionalOperator: {
      // `c ? a : b`: each arm on its own path (assert() is `c ? void(0) :
      // __assert_fail(...)`, which must not end the path).
      auto kids = children(c);
      if (kids.size() != 3) return walk_children(c);
      walk_expr(kids[0]);
      flow_state before = state_;
      walk_expr(kids[1]);
      flow_state after_true = state_;
      state_ = before;
      walk_expr(kids[2]);
      state_ = join(after_true, state_);
      return;
    }
    case CXCursor_CompoundAssignOperator: {
      auto kids = children(c);
      if (kids.size() == 2) {
        walk_expr(kids[1]);
        record_access(kids[0], true);
        return;
      }
      return walk_children(c);
    }
    case CXCursor_UnaryOperator: {
      auto kind = clang_getCursorUnaryOperatorKind(c);
      auto kids = children(c);
      if ((kind == CXUnaryOperator_PostInc || kind == CXUnaryOperator_PostDec ||
           kind == CXUnaryOperator_PreInc || kind == CXUnaryOperator_PreDec) &&
          kids.size() == 1) {
        record_access(kids[0], true);
        return;
      }
      if (kind == CXUnaryOperator_AddrOf) {  // taking an address is not an access
        if (kids.size() == 1 && clang_getCursorKind(strip(kids[0])) == CXCursor_DeclRefExpr)
          note_member_address(clang_getCursorReferenced(strip(kids[0])));
        return;
      }
      return walk_children(c);
    }
    case CXCursor_CallExpr: {
      std::size_t calls_before = fn_.calls.size();
      walk_call(c);
      if (!state_.unreachable && tu_.noreturn.call_never_returns(c)) {
        if (fn_.calls.size() > calls_before) fn_.calls.back().never_returns = true;
        state_.unreachable = true;  // the path ends here (ast_paths.hpp)
      }
      return;
    }
    case CXCursor_LambdaExpr:
      walk_lambda(c, true);
      return;
    case CXCursor_DeclRefExpr:
    case CXCursor_MemberRefExpr:
      return record_access(c, false);
    case CXCursor_CXXThrowExpr:
      walk_children(c);
      state_.unreachable = true;
      return;
    case CXCursor_TypeRef:
    case CXCursor_TemplateRef:
    case CXCursor_NamespaceRef:
    case CXCursor_UnexposedAttr:
      return;
    default:
      if (clang_isStatement(clang_getCursorKind(c)) != 0 && clang_isExpression(clang_getCursorKind(c)) == 0) {
        return walk_stmt(c);
      }
      return walk_children(c);
  }
}

void body_walker::record_access(CXCursor target, bool write) {
  CXCursor t = strip(target);
  switch (clang_getCursorKind(t)) {
    case CXCursor_ArraySubscriptExpr: {
      auto kids = children(t);
      if (kids.size() == 2) {
        walk_expr(kids[1]);
        record_access(kids[0], write);
        return;
      }
      return walk_children(t);
    }
    case CXCursor_CallExpr: {
      std::string name = spelling(t);
      auto args = call_args(t);
      auto kids = children(t);
      bool operator_syntax = kids.empty() || clang_getCursorKind(kids[0]) != CXCursor_MemberRefExpr;
      if (name == "operator[]" && operator_syntax && args.size() == 2) {
        walk_expr(args[1]);
        record_access(args[0], write);
        return;
      }
      // v.at(i) = x, v.front() = x, v.back() += x: a write to the container.
      if (write && !operator_syntax && (name == "at" || name == "front" || name == "back")) {
        auto member = children(kids[0]);
        if (!member.empty() &&
            tu_.types.classify(clang_getCursorType(member[0])).role == type_role::container) {
          for (CXCursor a : args) walk_expr(a);
          record_access(member[0], true);
          return;
        }
      }
      return walk_call(t);
    }
    case CXCursor_MemberRefExpr: {
      CXCursor decl = clang_getCursorReferenced(t);
      if (is_null(decl)) return walk_children(t);
      CXCursorKind dk = clang_getCursorKind(decl);
      if (dk == CXCursor_VarDecl)
        return record_var_access(t, decl, write, false, access_base::global);  // static member
      if (dk != CXCursor_FieldDecl) return walk_children(t);
      auto kids = children(t);
      if (kids.empty()) return record_var_access(t, decl, write, true, access_base::this_object);
      CXCursor base = strip(kids[0]);
      CXCursorKind bk = clang_getCursorKind(base);
      if (bk == CXCursor_CXXThisExpr)
        return record_var_access(t, decl, write, true, access_base::this_object);
      access_base through = access_base::other;
      int through_param = -1;
      // The object's root decides whether it can be shared: a member of a
      // local object (not captured by reference, not a reference or pointer)
      // belongs to this call only.
      // A field of a member object the object holds by value (`this->m.f`,
      // `_u.base.f`, `arr_[i].f` with every link a field that is no pointer
      // or reference) is part of the object itself: it is reached only
      // through `this`, like a direct member (docs/analyzer-checks.md,
      // "Instances").
      CXCursor root = base;
      bool by_value = true;
      while (clang_getCursorKind(root) == CXCursor_MemberRefExpr ||
             clang_getCursorKind(root) == CXCursor_ArraySubscriptExpr) {
        if (clang_getCursorKind(root) == CXCursor_MemberRefExpr) by_value = by_value && by_value_field(root);
        auto rk = children(root);
        if (rk.empty()) {
          through = access_base::this_object;  // implicit this->member.field
          break;
        }
        root = strip(rk[0]);
      }
      if (clang_getCursorKind(root) == CXCursor_CallExpr) {
        // An element of a local's or parameter's container (`flat[0].f`,
        // `(*v)[i].f`): reached through that variable. Not what a pointer
        // element points at (`v[i]->f`).
        CXCursor c = container_of_element(root);
        if (clang_getCanonicalType(clang_getCursorType(root)).kind == CXType_Pointer)
          c = clang_getNullCursor();
        if (!is_null(c)) c = strip_casts(c);
        if (!is_null(c) && clang_getCursorKind(c) == CXCursor_UnaryOperator &&
            clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_Deref && children(c).size() == 1)
          c = strip_casts(children(c)[0]);
        if (!is_null(c) && clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
          root = c;
          by_value = false;
        }
      }
      if (clang_getCursorKind(root) == CXCursor_CXXThisExpr) through = access_base::this_object;
      if (through == access_base::this_object && by_value) {
        if (bk != CXCursor_MemberRefExpr) walk_expr(base);
        return record_var_access(t, decl, write, true, access_base::this_object);
      }
      // Through a pointer member that holds only memory this method just
      // allocated (ast_fresh_members.cpp): part of this object too.
      if (through == access_base::this_object && through_fresh_member(t))
        return record_var_access(t, decl, write, true, access_base::this_object);
      if (clang_getCursorKind(root) == CXCursor_DeclRefExpr) {
        CXCursor rd = clang_getCursorReferenced(root);
        CXCursorKind rdk = clang_getCursorKind(rd);
        CXTypeKind tk = clang_getCursorType(rd).kind;
        bool handle =
            (tk == CXType_LValueReference || tk == CXType_RValueReference || tk == CXType_Pointer) &&
            fresh_locals_.count(usr(rd)) == 0;
        bool global = rdk == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(rd) == 1;
        bool captured = false;
        if (is_lambda_ && (rdk == CXCursor_VarDecl || rdk == CXCursor_ParmDecl) &&
            own_locals_.count(usr(rd)) == 0) {
          std::string n = spelling(rd);
          captured =
              lambda_.by_ref.count(n) != 0 || (lambda_.by_ref_default && lambda_.by_copy.count(n) == 0);
        }
        if (!handle && !global && !captured) {
          if (rdk == CXCursor_ParmDecl || rdk == CXCursor_VarDecl) return;
        }
        // A local pointer at a part of this object or at fresh memory
        // (ast_this_parts.cpp): judged as this object's own member.
        if (by_value && !captured && rdk == CXCursor_VarDecl && this_part_locals_.count(usr(rd)) != 0)
          return record_var_access(t, decl, write, true, access_base::this_object);
        if (global) {
          through = access_base::global;
        } else if (handle && !captured && rdk == CXCursor_ParmDecl && param_index(rd) >= 0) {
          through = access_base::param;
          through_param = param_index(rd);
        } else if (handle && !captured) {
          if (auto a = param_alias_.find(usr(rd)); a != param_alias_.end()) {
            through = access_base::param;
            through_param = a->second;
          }
        }
      }
      if (bk != CXCursor_DeclRefExpr && bk != CXCursor_MemberRefExpr) walk_expr(base);
      return record_var_access(t, decl, write, false, through, through_param);
    }
    case CXCursor_DeclRefExpr: {
      CXCursor decl = clang_getCursorReferenced(t);
      if (is_null(decl) || clang_getCursorKind(decl) != CXCursor_VarDecl) return;
      // A started thread used any other way than join/detach/joinable (moved,
      // swapped, passed on, returned) is no longer this function's to join.
      if (!threads_.empty()) threads_.erase(usr(decl));
      return record_var_access(
          t, decl, write, false,
          clang_Cursor_hasVarDeclGlobalStorage(decl) == 1 ? access_base::global : access_base::other);
    }
    default:
      return walk_expr(t);
  }
}

void body_walker::record_var_access(CXCursor ref, CXCursor decl, bool write, bool via_this, access_base base,
                                    int param) {
  if (state_.unreachable) return;               // after a return, throw or call that never returns
  if (via_this && fn_.is_ctor_or_dtor) return;  // the object is not shared yet / any more
  type_facts role = tu_.types.classify(clang_getCursorType(decl));
  if (role.role == type_role::mutex || role.role == type_role::guard || role.role == type_role::condvar ||
      role.role == type_role::thread || role.role == type_role::jthread) {
    return;  // synchronization objects are not data
  }
  CXCursorKind dk = clang_getCursorKind(decl);
  std::string key = usr(decl);
  if (key.empty()) return;
  bool field = dk == CXCursor_FieldDecl;
  bool global = !field && clang_Cursor_hasVarDeclGlobalStorage(decl) == 1;
  bool captured = false;
  if (!field && !global) {
    if (is_lambda_ && own_locals_.count(key) == 0) {
      std::string n = spelling(decl);
      bool by_ref = lambda_.by_ref.count(n) != 0 || (lambda_.by_ref_default && lambda_.by_copy.count(n) == 0);
      if (!by_ref) return;  // a copy inside the lambda
      captured = true;
      tu_.captured_locals.insert(key);
    }
  }
  auto [it, inserted] = tu_.facts.vars.try_emplace(key);
  if (inserted) {
    var_info& v = it->second;
    v.key = key;
    v.kind = field ? var_kind::field : (global ? var_kind::global : var_kind::local);
    v.display = v.kind == var_kind::local ? spelling(decl) : qualified_name(decl);
    CXType type = clang_getCursorType(decl);
    v.atomic = role.role == type_role::atomic;
    v.constant = clang_isConstQualifiedType(type) != 0;
    if (type.kind == CXType_ConstantArray)
      v.constant = clang_isConstQualifiedType(clang_getArrayElementType(type)) != 0;
    v.thread_local_storage = clang_getCursorTLSKind(decl) != CXTLS_None;
    v.declared = location_of(decl);
    if (field) {
      CXCursor cls = clang_getCursorSemanticParent(decl);
      v.owner_class = usr(cls);
      tu_.note_class(cls);
    }
    for (const auto& attr : tu_context::attributes(decl)) {
      if (attr == "guarded_by" || attr == "pt_guarded_by") {
        v.guarded_by = tu_.annotation_locks(
            decl, field ? clang_getCursorSemanticParent(decl) : clang_getNullCursor(), attr);
      }
    }
  }
  fn_.accesses.push_back(
      access_fact{key, write, location_of(ref), state_.snapshot(), captured, via_this, base, param});
  fn_.accesses.back().after_call = state_.after_call();
}

std::string body_walker::walk_lambda(CXCursor lambda, bool called_here) {
  location where = location_of(lambda);
  std::string base = where.file;
  if (auto slash = base.rfind('/'); slash != std::string::npos) base.erase(0, slash + 1);
  std::string id =
      "lambda@" + where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  // Each lambda expression is walked once per TU, so an id already taken is
  // another lambda expanded from the same macro at the same location.
  for (int n = 2; tu_.facts.functions.count(id) != 0; ++n) {
    id = "lambda@" + where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
         "#" + std::to_string(n);
  }
  {
    function_facts& f = tu_.facts.functions[id];
    f.id = id;
    f.display = "lambda at " + base + ":" + std::to_string(where.line);
    f.where = where;
    f.is_lambda = true;
    f.enclosing = fn_.is_lambda ? fn_.enclosing : fn_.display;
    f.owner_class = fn_.owner_class;
    f.is_ctor_or_dtor = false;
    body_walker inner(tu_, f, lambda);
    lambda_capture capture = parse_capture(lambda);
    if (!called_here) escape_captures(capture);  // a lambda kept or handed on outlives this statement
    inner.set_lambda(std::move(capture));
    for (CXCursor k : children(lambda)) {
      if (clang_getCursorKind(k) == CXCursor_CompoundStmt) inner.walk_body(k);
    }
  }
  if (called_here) {
    add_call(call_fact{id, where, state_.snapshot(), {}, call_fact::receiver_kind::none, {}}, "this");
    if (!fn_.calls.empty() && fn_.calls.back().callee == id) fn_.calls.back().deferred = true;
  }
  return id;
}

std::optional<std::pair<std::string, std::string>> body_walker::thread_entry(CXCursor arg) {
  CXCursor a = strip(arg);
  CXCursorKind k = clang_getCursorKind(a);
  if (k == CXCursor_UnaryOperator) {
    auto kids = children(a);
    if (kids.size() == 1) return thread_entry(kids[0]);
  }
  if (k == CXCursor_LambdaExpr) {
    std::string id = walk_lambda(a, false);
    return std::make_pair(id, tu_.facts.functions[id].display);
  }
  if (k == CXCursor_DeclRefExpr) {
    CXCursor d = clang_getCursorReferenced(a);
    CXCursorKind dk = clang_getCursorKind(d);
    if (dk == CXCursor_FunctionDecl || dk == CXCursor_CXXMethod || dk == CXCursor_FunctionTemplate) {
      return std::make_pair(usr(d), qualified_name(d));
    }
    if (auto it = lambda_vars_.find(usr(d)); it != lambda_vars_.end()) {
      return std::make_pair(it->second, tu_.facts.functions[it->second].display);
    }
  }
  if (k == CXCursor_CallExpr) {
    // std::bind(f, ...) and similar wrappers: the first callable argument.
    std::string name = spelling(a);
    if (name == "bind" || name == "bind_front") {
      auto args = call_args(a);
      if (!args.empty()) return thread_entry(args[0]);
    }
  }
  // A function object: its operator().
  CXCursor cls = class_decl_of(clang_getCursorType(a));
  if (!is_null(cls)) {
    CXCursor def = clang_getCursorDefinition(cls);
    if (!is_null(def)) {
      for (CXCursor m : children(def)) {
        if (clang_getCursorKind(m) == CXCursor_CXXMethod && spelling(m) == "operator()") {
          return std::make_pair(usr(m), qualified_name(m));
        }
      }
    }
  }
  return std::nullopt;
}

void body_walker::spawn(CXCursor call, CXCursor entry_arg) {
  if (auto entry = thread_entry(entry_arg)) {
    fn_.spawns.push_back(spawn_fact{entry->first, entry->second, location_of(call), loop_depth_ > 0,
                                    exits_.reach_end(), outer_loop_});
  }
}

void body_walker::add_call(call_fact call, const std::string& receiver_path, CXCursor object) {
  if (state_.unreachable) return;
  call.held_locks = state_.held_locks();
  call.receiver_path = receiver_path;
  call.in_loop = repeated_in_loop(object);
  call.rechecked = rechecked(call.where);
  call.param_guards = state_.signs;
  call.outer_loop = outer_loop_;
  call.after_call = state_.after_call();
  call.reach_end = exits_.reach_end();
  fn_.calls.push_back(std::move(call));
  if (state_.after_calls.size() < flow_state::kMaxAfterCalls)
    state_.after_calls.push_back(static_cast<int>(fn_.calls.size() - 1));
}

std::string body_walker::receiver_path_of(CXCursor call) {
  auto kids = children(call);
  if (!kids.empty() && clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr) {
    auto mk = children(kids[0]);
    return mk.empty() ? "this" : object_path(mk[0]);
  }
  if (clang_Cursor_getNumArguments(call) > 0) return object_path(clang_Cursor_getArgument(call, 0));
  return "this";  // an implicit this->method()
}

call_fact::receiver_kind body_walker::receiver_of(CXCursor call, bool* root_out) {
  using kind = call_fact::receiver_kind;
  bool ignored = false;
  bool& is_root = root_out != nullptr ? *root_out : ignored;
  is_root = false;
  CXCursor callee = clang_getCursorReferenced(call);
  if (is_null(callee) || clang_getCursorKind(callee) != CXCursor_CXXMethod) return kind::none;
  CXCursor object = method_call_object(call);
  // Down to the root of `a.b[i]->c`: a variable, this, or something else.
  CXCursor root = is_null(object) ? object : strip(object);
  while (!is_null(root)) {
    CXCursorKind k = clang_getCursorKind(root);
    if (k == CXCursor_MemberRefExpr || k == CXCursor_ArraySubscriptExpr || k == CXCursor_UnaryOperator ||
        (k == CXCursor_CallExpr && (spelling(root) == "operator->" || spelling(root) == "operator*" ||
                                    spelling(root) == "operator[]"))) {
      auto rk = children(root);
      if (rk.empty()) return kind::this_object;  // implicit this->member
      root = strip(rk[0]);
      continue;
    }
    break;
  }
  if (is_null(root) || clang_getCursorKind(root) == CXCursor_CXXThisExpr) return kind::this_object;
  if (clang_getCursorKind(root) != CXCursor_DeclRefExpr) return kind::shared;  // a call's result: unknown
  CXCursor d = clang_getCursorReferenced(root);
  CXCursorKind dk = clang_getCursorKind(d);
  if (dk != CXCursor_VarDecl && dk != CXCursor_ParmDecl) return kind::shared;
  CXTypeKind tk = clang_getCursorType(d).kind;
  if (escaped(d) || published_locals_.count(usr(d)) != 0) {
    is_root = true;
    return kind::shared;
  }
  // A pointer to an object this call just allocated (and has not handed on),
  // or set to one of its locals, points at this call's own object.
  bool fresh = dk == CXCursor_VarDecl && fresh_locals_.count(usr(d)) != 0;
  bool global = dk == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(d) == 1;
  if ((tk == CXType_LValueReference || tk == CXType_RValueReference || tk == CXType_Pointer) && !fresh) {
    is_root = global;
    return kind::shared;
  }
  if (global) {
    is_root = true;
    return kind::shared;
  }
  if (is_lambda_ && own_locals_.count(usr(d)) == 0) {
    std::string n = spelling(d);
    if (lambda_.by_ref.count(n) != 0 || (lambda_.by_ref_default && lambda_.by_copy.count(n) == 0)) {
      is_root = true;
      return kind::shared;
    }
  }
  return kind::local;
}

void body_walker::walk_call(CXCursor c) {
  CXCursor callee = clang_getCursorReferenced(c);
  std::string name = spelling(c);
  auto args = call_args(c);
  if (!is_null(callee) && clang_getCursorKind(callee) == CXCursor_Constructor) {
    type_facts role = tu_.types.classify(clang_getCursorType(c));
    if ((role.role == type_role::thread || role.role == type_role::jthread) && !args.empty() &&
        !clang_CXXConstructor_isMoveConstructor(callee) && !clang_CXXConstructor_isCopyConstructor(callee)) {
      // The callable is the first argument that is one (concheck::thread
      // takes an optional thread_name first).
      std::size_t entry = args.size();
      for (std::size_t i = 0; i < args.size() && entry == args.size(); ++i) {
        if (auto e = thread_entry(args[i])) {
          fn_.spawns.push_back(spawn_fact{e->first, e->second, location_of(c), loop_depth_ > 0,
                                          exits_.reach_end(), outer_loop_});
          entry = i;
        }
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (i != entry) {
          mark_escaped(args[i]);
          walk_expr(args[i]);
        }
      }
      return;
    }
    for (CXCursor a : args) walk_expr(a);
    // A user constructor is a call like any other (its locks order after ours).
    if (!in_system_header(callee)) {
      std::string id = usr(callee);
      if (!id.empty()) {
        call_fact ctor{
            id, location_of(c), state_.snapshot(), {}, call_fact::receiver_kind::none, origins_of(args)};
        ctor.callee_implicit = compiler_provided(callee);
        ctor.arg_values = values_->arguments(callee, args);
        add_call(std::move(ctor), "");
      }
    }
    return;
  }
  if (is_null(callee)) {
    fn_.indirect_calls = true;
    if (member_pointer_call(c)) return;
    return walk_children(c);
  }
  CXCursorKind ck = clang_getCursorKind(callee);
  if (ck == CXCursor_CXXMethod || ck == CXCursor_ConversionFunction ||
      (ck == CXCursor_FunctionTemplate &&
       clang_getCursorKind(clang_getCursorSemanticParent(callee)) != CXCursor_Namespace &&
       clang_getCursorKind(clang_getCursorSemanticParent(callee)) != CXCursor_TranslationUnit)) {
    if (walk_member_call(c, callee, name)) return;
  } else if (walk_free_call(c, callee, name, qualified_name(callee))) {
    return;
  }
  if (!in_system_header(callee)) {
    if (annotated_lock_call(callee, location_of(c))) return;
    std::string id = callee_id(callee);
    if (id.empty()) return;
    bool root = false;
    call_fact call{id, location_of(c), state_.snapshot(), {}, receiver_of(c, &root), {}};
    call.receiver_root = root;
    if (call.receiver == call_fact::receiver_kind::shared) call.receiver_param = receiver_param_of(c);
    if (call.receiver == call_fact::receiver_kind::local) note_receiver_local(c, call);
    note_receiver_fresh(c, call);
    if (call.receiver == call_fact::receiver_kind::this_object) call.receiver_in_this = in_this_by_value(c);
    if (call.receiver_in_this) call.receiver_member = member_of_this(c);
    if (call.receiver == call_fact::receiver_kind::this_object && !call.receiver_in_this)
      call.receiver_pointer_member = pointer_member_of(method_call_object(c));
    if (ck == CXCursor_CXXMethod || ck == CXCursor_FunctionTemplate)
      call.receiver_source = receiver_source_of(c);
    add_callback_calls(c, args);
    {
      // An operator called as `a = b` lists its object as argument 0.
      auto kids = children(c);
      bool object_first = name.rfind("operator", 0) == 0 && ck == CXCursor_CXXMethod &&
                          clang_CXXMethod_isStatic(callee) == 0 && !args.empty() &&
                          (kids.empty() || clang_getCursorKind(kids[0]) != CXCursor_MemberRefExpr);
      std::vector<CXCursor> by_param =
          object_first ? std::vector<CXCursor>(args.begin() + 1, args.end()) : args;
      call.arg_origins = origins_of(by_param);
      call.arg_values = values_->arguments(callee, by_param);
      bool named = false;
      for (CXCursor a : by_param) {
        call.arg_paths.emplace_back(object_path(a));
        named |= !call.arg_paths.back().empty();
      }
      if (!named) call.arg_paths.clear();
    }
    if (name.rfind("operator", 0) != 0) {  // operator calls count the object as an argument
      for (unsigned i = 0; i < args.size(); ++i) {
        if (!tu_.types.is_lockable(clang_getCursorType(args[i]))) continue;
        if (auto l = lock_of(args[i])) call.lock_args.emplace_back(i, *l);
      }
    }
    std::string receiver;
    if (ck == CXCursor_CXXMethod || ck == CXCursor_FunctionTemplate) receiver = receiver_path_of(c);
    call.callee_implicit = compiler_provided(callee);
    bool method = ck == CXCursor_CXXMethod && clang_CXXMethod_isStatic(callee) == 0;
    add_call(std::move(call), receiver, method ? method_call_object(c) : clang_getNullCursor());
  }
}

bool body_walker::walk_member_call(CXCursor call, CXCursor callee, const std::string& name) {
  auto kids = children(call);
  auto args = call_args(call);
  bool member_syntax = !kids.empty() && clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr;
  CXCursor object = clang_getNullCursor();
  std::vector<CXCursor> rest;
  if (member_syntax) {
    auto mk = children(kids[0]);
    if (!mk.empty()) object = mk[0];
    rest = args;
  } else if (!args.empty()) {
    object = args[0];
    rest.assign(args.begin() + 1, args.end());
  }
  location where = location_of(call);
  if (is_null(object)) {
    // An implicit this->method(): a call to a sibling method.
    for (CXCursor a : rest) walk_expr(a);
    return false;
  }
  type_facts role = tu_.types.classify(clang_getCursorType(object));
  switch (role.role) {
    case type_role::mutex:
      if (mutex_method(object, name, rest, where)) {
        for (CXCursor a : rest) walk_expr(a);
        return true;
      }
      break;
    case type_role::guard:
      if (guard_method(object, name, where)) return true;
      break;
    case type_role::condvar:
      if (name.rfind("wait", 0) == 0) {
        // Timed waits without a predicate are mostly deliberate timeouts whose
        // result is checked: only untimed waits feed cv-wait-no-loop.
        if (name == "wait" && !state_.unreachable)
          fn_.cv_waits.push_back(cv_wait_fact{where, rest.size() > 1, loop_depth_ > 0, state_.after_call(),
                                              state_.signs, false, rechecked(where)});
        for (std::size_t i = 1; i < rest.size(); ++i) walk_expr(rest[i]);
        return true;
      }
      if (name.rfind("notify", 0) == 0) return true;
      break;
    case type_role::thread:
    case type_role::jthread: {
      CXCursor o = strip(object);
      std::string var =
          clang_getCursorKind(o) == CXCursor_DeclRefExpr ? usr(clang_getCursorReferenced(o)) : std::string();
      if (name == "join" || name == "detach") {
        threads_.erase(var);
        if (name == "join") {
          fn_.joins.push_back(where);
          fn_.blocking.push_back(blocking_fact{"join", where, state_.snapshot(), state_.after_call()});
        }
        return true;
      }
      if (name == "operator=" && !var.empty() && !rest.empty() &&
          clang_getCursorKind(strip(rest[0])) == CXCursor_CallExpr) {
        threads_[var] = thread_var_fact{spelling(clang_getCursorReferenced(o)), location_of(o)};
        for (CXCursor a : rest) walk_expr(a);
        return true;
      }
      return true;
    }
    case type_role::container: {
      // emplace_back(f, args...) on a container of threads starts a thread.
      CXType elem = clang_Type_getTemplateArgumentAsType(clang_getCursorType(object), 0);
      type_facts elem_role = elem.kind == CXType_Invalid ? type_facts{} : tu_.types.classify(elem);
      bool of_threads = elem_role.role == type_role::thread || elem_role.role == type_role::jthread;
      if (of_threads && (name == "emplace_back" || name == "emplace") && !rest.empty()) {
        spawn(call, rest[0]);
        for (std::size_t i = 1; i < rest.size(); ++i) walk_expr(rest[i]);
        return true;
      }
      if (of_threads) {
        for (CXCursor a : rest) walk_expr(a);
        return true;
      }
      bool map_like = base_type_name(clang_getCursorType(object)).find("map") != std::string::npos;
      bool writes = type_classifier::mutates_container(name) || (name == "operator[]" && map_like) ||
                    is_assignment_operator_name(name);
      for (CXCursor a : rest) walk_expr(a);
      record_access(object, writes);
      return true;
    }
    default:
      break;
  }
  if (name == "operator()") {
    CXCursor o = strip(object);
    if (clang_getCursorKind(o) == CXCursor_DeclRefExpr) {
      if (auto it = lambda_vars_.find(usr(clang_getCursorReferenced(o))); it != lambda_vars_.end()) {
        for (CXCursor a : rest) walk_expr(a);
        add_call(call_fact{it->second, where, state_.snapshot(), {}, call_fact::receiver_kind::none, {}},
                 "this");
        return true;
      }
    }
  }
  if (role.role != type_role::atomic && in_system_header(callee) && is_assignment_operator_name(name)) {
    // operator= / += on a library class (std::string, std::optional...) writes the object.
    for (CXCursor a : rest) walk_expr(a);
    record_access(object, true);
    return true;
  }
  for (CXCursor a : rest) walk_expr(a);
  if (role.role == type_role::atomic) return true;
  walk_expr(object);
  (void)callee;
  return false;
}

bool body_walker::walk_free_call(CXCursor call, CXCursor callee, const std::string& name,
                                 const std::string& qualified) {
  auto args = call_args(call);
  location where = location_of(call);
  if (pthread_call(name, args, where)) return true;
  if (qualified == "std::lock" || qualified == "std::try_lock") {
    std::vector<lock_name> locks;
    for (CXCursor a : args) {
      if (auto l = lock_of(a)) locks.push_back(*l);
    }
    acquire(locks, "", false, qualified == "std::try_lock", where);
    return true;
  }
  if (qualified == "std::call_once" && args.size() >= 2) {
    // One caller runs the callable while every other caller on the flag
    // waits: it runs holding the flag, as a lock (no acquisition of its own:
    // the flag adds no lock-order edge).
    walk_expr(args[0]);
    auto flag = lock_of(args[0]);
    if (flag && !state_.unreachable) state_.add(*flag, "", false, true, where);
    std::size_t first = fn_.calls.size();
    for (std::size_t i = 1; i < args.size(); ++i) walk_expr(args[i]);
    // A lambda callable runs here, before call_once returns: not deferred.
    for (std::size_t i = first; i < fn_.calls.size(); ++i) {
      if (fn_.calls[i].callee.str().rfind("lambda@", 0) == 0) fn_.calls[i].deferred = false;
    }
    if (flag) state_.release(flag->id.str());
    return true;
  }
  if (name == "pthread_setspecific" && !state_.unreachable) note_specific_value(args);
  if (name == "pthread_create" && args.size() >= 3) {
    spawn(call, args[2]);
    if (args.size() >= 4) {
      mark_escaped(args[3]);
      walk_expr(args[3]);
    }
    return true;
  }
  if (qualified == "std::async") {
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (base_type_name(clang_getCursorType(args[i])) == "std::launch") continue;
      spawn(call, args[i]);
      for (std::size_t j = i + 1; j < args.size(); ++j) {
        mark_escaped(args[j]);
        walk_expr(args[j]);
      }
      return true;
    }
    return true;
  }
  if (name == "pthread_cond_wait" || name == "pthread_cond_timedwait") {
    if (!state_.unreachable)
      fn_.cv_waits.push_back(cv_wait_fact{where, false, loop_depth_ > 0, state_.after_call(), state_.signs,
                                          name == "pthread_cond_timedwait", rechecked(where)});
    return true;
  }
  if (is_blocking_function(qualified) && !state_.unreachable) {
    fn_.blocking.push_back(blocking_fact{qualified, where, state_.snapshot(), state_.after_call()});
  }
  if ((qualified == "std::ref" || qualified == "std::cref") && args.size() == 1) mark_escaped(args[0]);
  if (qualified == "std::move" && args.size() == 1) {
    CXCursor a = strip(args[0]);
    if (clang_getCursorKind(a) == CXCursor_DeclRefExpr) threads_.erase(usr(clang_getCursorReferenced(a)));
  }
  for (CXCursor a : args) walk_expr(a);
  (void)callee;
  return false;
}

}  // namespace concheck::analyzer::detail
