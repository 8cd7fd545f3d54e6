// Code before the thread start that can reach an object: see before_start.hpp.
#include "before_start.hpp"

namespace concheck::analyzer::detail {

namespace {

bool before(const location& a, const location& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// Whether call `c` may run a function in `set` or one out of sight (no body
// in the program, and not compiler-provided). A virtual method called other
// than on a local object by value is dispatched: it may run the method named
// or any override of it in the program (program::overriders), so it counts
// only through one of those; a pure method runs only through its overrides,
// and one with none in sight may run anything (its overrides are elsewhere).
bool may_reach(const program& p, const std::set<std::string>& set, const call_fact& c) {
  auto runs = [&](const std::string& f) { return set.count(f) != 0 || p.functions.count(f) == 0; };
  auto callee = p.functions.find(c.callee);
  bool pure = p.pure_virtuals.count(c.callee) != 0;
  bool is_virtual = pure || p.overriders.count(c.callee) != 0 ||
                    (callee != p.functions.end() && callee->second->is_virtual);
  if (!is_virtual || !c.receiver_local.empty())
    return set.count(c.callee) != 0 || (callee == p.functions.end() && !c.callee_implicit);
  auto over = p.overriders.find(c.callee);
  if (over == p.overriders.end()) return pure || runs(c.callee);
  if (!pure && runs(c.callee)) return true;
  for (const auto& o : over->second) {
    if (p.pure_virtuals.count(o) == 0 && runs(o)) return true;
  }
  return false;
}

// The least set holding every function with `seed(f)` and every function
// with a call `follow(call)` that may reach one in the set (may_reach).
template <typename Seed, typename Follow>
std::set<std::string> closure(const program& p, Seed seed, Follow follow) {
  std::set<std::string> out;
  for (const auto& [id, f] : p.functions) {
    if (seed(*f)) out.insert(id);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (out.count(id) != 0) continue;
      for (const auto& c : f->calls) {
        if (follow(c) && may_reach(p, out, c)) {
          out.insert(id);
          changed = true;
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace

void compute_before_start(program& p) {
  p.may_start = closure(
      p, [](const function_facts& f) { return !f.spawns.empty() || f.indirect_calls; },
      [](const call_fact&) { return true; });
  p.exposes_this = closure(
      p, [](const function_facts& f) { return f.exposes_this || f.indirect_calls; },
      [](const call_fact& c) { return c.receiver == call_fact::receiver_kind::this_object; });
  for (const auto& [id, f] : p.functions) {
    if (f->is_ctor_or_dtor && !f->owner_class.empty() && p.exposes_this.count(id) != 0)
      p.ctor_exposes_this.insert(f->owner_class);
  }
}

bool before_start_at(const program& p, const function_facts& caller, const call_fact& call,
                     bool callee_may_start) {
  if (call.receiver_local.empty()) return false;
  auto callee = p.functions.find(call.callee);
  if (callee == p.functions.end() || p.ctor_exposes_this.count(callee->second->owner_class) != 0)
    return false;
  // The callee itself must not start a thread or expose `this` part way:
  // what it does after that runs on a shared object.
  if (!callee_may_start && (p.may_start.count(call.callee) != 0 || p.exposes_this.count(call.callee) != 0))
    return false;
  for (const auto& e : caller.calls) {
    // The call itself counts too when it is in a loop (its own earlier run).
    if (e.receiver_local != call.receiver_local) continue;
    bool written_before = before(e.where, call.where);
    bool same_loop = e.outer_loop >= 0 && e.outer_loop == call.outer_loop;
    if (!written_before && !same_loop) continue;  // runs after the call
    // Another element of `a[i]`, in an earlier iteration of the same loop.
    if (!written_before && call.receiver_per_iteration && e.receiver_per_iteration) continue;
    if (may_reach(p, p.may_start, e) || may_reach(p, p.exposes_this, e)) return false;
  }
  return true;
}

std::optional<location> own_start_point(const program& p, const function_facts& f) {
  if (f.indirect_calls) return std::nullopt;
  std::optional<location> first;
  bool in_loop = false;
  bool unordered = false;  // a point in another file (a macro's expansion): not ordered
  auto consider = [&](const location& where, bool loop) {
    unordered = unordered || where.file != f.where.file;
    if (!first || before(where, *first)) {
      first = where;
      in_loop = loop;
    }
  };
  if (f.exposes_this) consider(f.exposes_this_at, f.exposes_this_in_loop);
  for (const auto& s : f.spawns) consider(s.where, s.in_loop);
  // A thread started by a call on another object reaches `this` only once
  // `this` is exposed (a point of its own); a call on `this` may start one
  // that does, or expose it.
  for (const auto& c : f.calls) {
    if (c.receiver != call_fact::receiver_kind::this_object) continue;
    if (may_reach(p, p.may_start, c) || may_reach(p, p.exposes_this, c)) consider(c.where, c.outer_loop >= 0);
  }
  if (!first || in_loop || unordered) return std::nullopt;
  return first;
}

}  // namespace concheck::analyzer::detail
