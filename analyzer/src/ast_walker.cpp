// Statement-level flow of body_walker: scopes, branches, loops, switch, try.
#include "ast_walker.hpp"

#include <algorithm>

#include "ast_util.hpp"
#include "stack_budget.hpp"

namespace concheck::analyzer::detail {

body_walker::body_walker(tu_context& tu, function_facts& fn, CXCursor decl) : tu_(tu), fn_(fn), decl_(decl) {}

void body_walker::walk_body(CXCursor body) {
  for (CXCursor param : children(decl_)) {
    if (clang_getCursorKind(param) == CXCursor_ParmDecl) {
      own_locals_.insert(usr(param));
      fn_.params.push_back(usr(param));
    }
  }
  values_.emplace(decl_, body);
  scan_handed_locals(body);
  scan_this_parts(body);
  scan_fresh_members(body);
  scan_specific_returns(body);
  scan_fresh_out_params(body);
  scan_rechecks(body);
  walk_stmt(body);
  fn_.never_returns = state_.unreachable && !returned_;
  for (auto& [id, t] : threads_) fn_.unjoined_threads.push_back(t);
}

namespace {
struct depth_guard {
  int& depth;
  explicit depth_guard(int& d) : depth(d) { ++depth; }
  ~depth_guard() { --depth; }
  depth_guard(const depth_guard&) = delete;
  depth_guard& operator=(const depth_guard&) = delete;
};
}  // namespace

void body_walker::walk_stmt(CXCursor c) {
  depth_guard guard(depth_);
  if (depth_ > kMaxDepth || stack_nearly_exhausted()) {
    note_walk_cut(c);
    return;
  }
  switch (clang_getCursorKind(c)) {
    case CXCursor_CompoundStmt:
      walk_compound(c);
      return;
    case CXCursor_DeclStmt:
      for (CXCursor d : children(c)) {
        CXCursorKind dk = clang_getCursorKind(d);
        if (dk == CXCursor_VarDecl) {
          walk_var_decl(d);
        } else if (dk == CXCursor_StructDecl || dk == CXCursor_ClassDecl) {
          summarize_local_class(tu_, d);  // its methods are functions of their own, not this body
        } else {
          // A local class: its methods' bodies are walked as part of this one
          // (their accesses count here), but a return in one ends neither
          // this function's path nor the next method's, and no lock stays held.
          exit_regions::barrier methods(exits_);
          for (CXCursor member : children(d)) {
            flow_state outer = state_;
            walk_expr(member);
            state_ = outer;
          }
        }
      }
      return;
    case CXCursor_IfStmt:
      walk_if(c);
      return;
    case CXCursor_WhileStmt:
    case CXCursor_ForStmt:
    case CXCursor_DoStmt:
    case CXCursor_CXXForRangeStmt:
      walk_loop(c);
      return;
    case CXCursor_SwitchStmt:
      walk_switch(c);
      return;
    case CXCursor_CXXTryStmt:
      walk_try(c);
      return;
    case CXCursor_ReturnStmt: {
      exit_regions::scope region(exits_, c);
      walk_children(c);
      if (!state_.unreachable) returned_ = true;
      state_.unreachable = true;
      return;
    }
    case CXCursor_BreakStmt:
    case CXCursor_ContinueStmt: {
      // continue: to the loop head, which joins into the loop's exit state too.
      bool is_break = clang_getCursorKind(c) == CXCursor_BreakStmt;
      for (auto it = breakables_.rbegin(); it != breakables_.rend(); ++it) {
        if (is_break || it->loop) {
          flow_state out = state_;
          for (std::size_t d = it->scope_depth; d < scopes_.size(); ++d) {
            for (const auto& g : scopes_[d]) out.release_holder(g);
          }
          it->exits.push_back(std::move(out));
          break;
        }
      }
      state_.unreachable = true;
      return;
    }
    case CXCursor_CaseStmt:
    case CXCursor_DefaultStmt: {
      // A case label is reached from the switch head: join with the entry state.
      if (!breakables_.empty() && !breakables_.back().loop && !breakables_.back().exits.empty()) {
        state_ = join(state_, breakables_.back().exits.front());
      }
      auto kids = children(c);
      if (!kids.empty()) walk_stmt(kids.back());
      return;
    }
    case CXCursor_LabelStmt:
      state_.unreachable = false;  // a goto may lead here
      state_.signs.clear();        // from anywhere: what branches said of parameters no longer holds
      for (CXCursor k : children(c)) walk_stmt(k);
      return;
    case CXCursor_NullStmt:
    case CXCursor_GotoStmt:
      return;
    default:
      if (clang_isExpression(clang_getCursorKind(c)) != 0) {
        walk_expr(c);
      } else {
        for (CXCursor k : children(c)) walk_stmt(k);
      }
      return;
  }
}

void body_walker::walk_compound(CXCursor c) {
  exit_regions::scope region(exits_, c);
  scopes_.emplace_back();
  for (CXCursor s : children(c)) walk_stmt(s);
  end_scope();
}

void body_walker::end_scope() {
  for (const auto& g : scopes_.back()) state_.release_holder(g);
  scopes_.pop_back();
}

void body_walker::walk_if(CXCursor c) {
  auto kids = children(c);
  if (kids.size() < 2) return walk_children(c);
  std::size_t then_index = kids.size() - 1;
  bool has_else = kids.size() >= 3 && preceded_by_else(kids[kids.size() - 2], kids.back());
  if (has_else) then_index = kids.size() - 2;
  std::size_t cond_index = then_index - 1;
  scopes_.emplace_back();  // if (init; cond): the init's guards live to the end of the if
  for (std::size_t i = 0; i < cond_index; ++i) walk_stmt(kids[i]);
  cond_effect effect = analyze_condition(kids[cond_index]);
  if (effect.what == cond_effect::kind::none) walk_stmt(kids[cond_index]);
  flow_state before = state_;
  apply_condition(effect, true);
  for (const auto& t : values_->tests(kids[cond_index], true)) state_.narrow(t);
  walk_stmt(kids[then_index]);
  flow_state after_then = state_;
  state_ = before;
  apply_condition(effect, false);
  for (const auto& t : values_->tests(kids[cond_index], false)) state_.narrow(t);
  if (has_else) walk_stmt(kids.back());
  state_ = join(after_then, state_);
  end_scope();
}

void body_walker::walk_loop(CXCursor c) {
  auto kids = children(c);
  if (kids.empty()) return;
  bool is_do = clang_getCursorKind(c) == CXCursor_DoStmt;
  bool outermost = outer_loop_ < 0;
  if (outermost) enter_outer_loop(c);
  std::size_t body_index = is_do ? 0 : kids.size() - 1;
  scopes_.emplace_back();
  // A while condition runs on every iteration: what it calls is called in
  // the loop (`while (!queue.wait_one())`).
  bool is_while = clang_getCursorKind(c) == CXCursor_WhileStmt;
  loop_scope scope;  // the header's variables: a `for`'s init, a range `for`'s element
  for (std::size_t i = 0; i < kids.size(); ++i) {
    if (i == body_index) continue;
    if (clang_getCursorKind(kids[i]) == CXCursor_VarDecl) scope.vars.insert(usr(kids[i]));
    if (clang_getCursorKind(kids[i]) != CXCursor_DeclStmt) continue;
    for (CXCursor d : children(kids[i])) {
      if (clang_getCursorKind(d) == CXCursor_VarDecl) scope.vars.insert(usr(d));
    }
  }
  if (is_while) ++loop_depth_, loops_.push_back(scope);
  for (std::size_t i = 0; i < kids.size(); ++i) {
    if (i != body_index && !is_do) walk_stmt(kids[i]);
  }
  if (is_while) --loop_depth_, loops_.pop_back();
  flow_state entry = state_;
  breakables_.push_back(breakable{true, {}, scopes_.size()});
  ++loop_depth_;
  loops_.push_back(std::move(scope));
  walk_stmt(kids[body_index]);
  if (is_do) {
    for (std::size_t i = 1; i < kids.size(); ++i) walk_stmt(kids[i]);
  }
  loops_.pop_back();
  --loop_depth_;
  flow_state out = join(entry, state_);
  for (const auto& s : breakables_.back().exits) out = join(out, s);
  breakables_.pop_back();
  state_ = out;
  end_scope();
  if (outermost) {
    outer_loop_ = -1;
    loop_index_.clear();
  }
}

void body_walker::walk_switch(CXCursor c) {
  auto kids = children(c);
  if (kids.empty()) return;
  scopes_.emplace_back();
  for (std::size_t i = 0; i + 1 < kids.size(); ++i) walk_stmt(kids[i]);
  flow_state entry = state_;
  // exits.front() is the entry state that every case label joins with.
  breakables_.push_back(breakable{false, {entry}, scopes_.size()});
  walk_stmt(kids.back());
  flow_state out = join(entry, state_);
  for (const auto& s : breakables_.back().exits) out = join(out, s);
  breakables_.pop_back();
  state_ = out;
  end_scope();
}

void body_walker::walk_try(CXCursor c) {
  exit_regions::barrier handlers(exits_);  // a handler runs code after a region that throws
  auto kids = children(c);
  flow_state entry = state_;
  flow_state out;
  out.unreachable = true;
  bool first = true;
  for (CXCursor k : kids) {
    if (!first) state_ = entry;  // a handler may start anywhere in the try block: assume the entry locks
    first = false;
    if (clang_getCursorKind(k) == CXCursor_CXXCatchStmt) {
      scopes_.emplace_back();
      for (CXCursor h : children(k)) walk_stmt(h);
      end_scope();
    } else {
      walk_stmt(k);
    }
    out = join(out, state_);
  }
  state_ = out;
}

void body_walker::walk_var_decl(CXCursor c) {
  std::string id = usr(c);
  own_locals_.insert(id);
  for (auto& l : loops_) l.vars.insert(id);
  CXType type = clang_getCursorType(c);
  type_facts role = tu_.types.classify(type);
  CXCursor init = var_initializer(c);
  if (role.role == type_role::guard && type.kind != CXType_LValueReference && type.kind != CXType_Pointer) {
    declare_guard(c, init, role);
    return;
  }
  if (!is_null(init)) {
    CXCursor s = strip(init);
    if (clang_getCursorKind(s) == CXCursor_CXXNewExpr) fresh_locals_.insert(id);
    if (clang_getCursorKind(s) == CXCursor_LambdaExpr) {
      lambda_vars_[id] = walk_lambda(s, false);
      return;
    }
    note_pointer_local(c, init);
    walk_expr(init);
    if (role.role == type_role::thread && clang_getCursorKind(s) == CXCursor_CallExpr &&
        !call_args(s).empty()) {
      threads_[id] = thread_var_fact{spelling(c), location_of(c)};
    }
  }
}

bool body_walker::repeated_in_loop(CXCursor object) const {
  if (loops_.empty()) return false;
  if (is_null(object)) return true;
  std::set<std::string> named;  // the variables the object's expression names
  auto note = [&](CXCursor e) {
    if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) named.insert(usr(clang_getCursorReferenced(e)));
  };
  note(object);
  clang_visitChildren(
      object,
      [](CXCursor e, CXCursor, CXClientData data) {
        (*static_cast<decltype(note)*>(data))(e);
        return CXChildVisit_Recurse;
      },
      &note);
  return std::any_of(loops_.begin(), loops_.end(), [&](const loop_scope& l) {
    return std::none_of(named.begin(), named.end(),
                        [&](const std::string& v) { return l.vars.count(v) != 0; });
  });
}

void body_walker::note_walk_cut(CXCursor c) {
  if (fn_.walk_cuts.empty()) fn_.walk_cuts.push_back(location_of(c));
}

}  // namespace concheck::analyzer::detail
