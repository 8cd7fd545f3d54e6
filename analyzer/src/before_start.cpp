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
  // Constructors only: a local's destructor runs after every call on it.
  auto is_destructor = [](const function_facts& f) {
    auto colon = f.display.rfind("::");
    return f.display.compare(colon == std::string::npos ? 0 : colon + 2, 1, "~") == 0;
  };
  for (const auto& [id, f] : p.functions) {
    if (f->is_ctor_or_dtor && !is_destructor(*f) && !f->owner_class.empty() && p.exposes_this.count(id) != 0)
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

std::optional<std::vector<start_point>> own_start_point(const program& p, const function_facts& f) {
  if (f.indirect_calls) return std::nullopt;
  std::vector<start_point> points;
  bool unordered = false;  // a point in another file (a macro's expansion): not ordered
  auto consider = [&](const location& where, bool loop, const location& reach_end,
                      const location& loop_start) {
    unordered = unordered || where.file != f.where.file;
    // A region ending in another file is no bound.
    bool bounded = !reach_end.file.empty() && reach_end.file == f.where.file;
    points.push_back(
        start_point{where, loop, bounded ? reach_end : location{}, loop ? loop_start : location{}});
  };
  auto loop_start = [&](int outer) {
    return outer >= 0 && static_cast<std::size_t>(outer) < f.loop_starts.size()
               ? f.loop_starts[static_cast<std::size_t>(outer)]
               : location{};
  };
  for (const auto& e : f.exposures) consider(e.where, e.in_loop, e.reach_end, e.loop_start);
  for (const auto& s : f.spawns) consider(s.where, s.in_loop, s.reach_end, loop_start(s.outer_loop));
  // A thread started by a call on another object reaches `this` only once
  // `this` is exposed (a point of its own); a call on `this` may start one
  // that does, or expose it.
  for (const auto& c : f.calls) {
    if (c.receiver != call_fact::receiver_kind::this_object) continue;
    if (may_reach(p, p.may_start, c) || may_reach(p, p.exposes_this, c))
      consider(c.where, c.outer_loop >= 0, c.reach_end, loop_start(c.outer_loop));
  }
  if (points.empty() || unordered) return std::nullopt;
  // Points after the first one the rest of the function may follow add
  // nothing: no code after that one is owned anyway.
  const start_point* open = nullptr;
  for (const auto& pt : points) {
    if (pt.reach_end.file.empty() && (open == nullptr || before(pt.where, open->where))) open = &pt;
  }
  std::vector<start_point> kept;
  for (const auto& pt : points) {
    if (open == nullptr || !before(open->where, pt.where)) kept.push_back(pt);
  }
  // In a loop, code written before a point may run after it, in a later
  // iteration; code written before the outermost loop around it begins does
  // not. Unknown where that loop begins: nothing written before it is owned.
  std::vector<start_point> out = kept;
  for (auto& pt : out) {
    if (!pt.in_loop) continue;
    pt.where = pt.loop_start.file == pt.where.file ? pt.loop_start : location{pt.where.file, 0, 0};
    pt.in_loop = false;
  }
  return out;
}

bool owned_before_start(const std::vector<start_point>& points, const location& at) {
  for (const auto& pt : points) {
    if (at.file != pt.where.file) return false;
    bool ends_before = !pt.reach_end.file.empty() && before(pt.reach_end, at);
    if (!before(at, pt.where) && !ends_before) return false;
  }
  return true;
}

}  // namespace concheck::analyzer::detail
