// Ownership decided per thread root: see root_ownership.hpp.
#include "root_ownership.hpp"

#include "fresh_locks.hpp"
#include "ownership.hpp"

namespace concheck::analyzer::detail {

namespace {

using root_table = std::map<std::string, program::root_owned>;

bool root_in(const std::set<std::string>& s, const std::string& x) {
  return s.count(x) != 0;
}

bool param_own(const program& p, const root_table& t, const function_facts& f, int i,
               const std::string& root) {
  if (i < 0) return false;
  if (owned_origin(p, f, arg_origin{arg_origin::kind::param, i, {}})) return true;
  auto it = t.find(f.id);
  return it != t.end() && static_cast<std::size_t>(i) < it->second.param_roots.size() &&
         root_in(it->second.param_roots[static_cast<std::size_t>(i)], root);
}

bool this_own(const program& p, const root_table& t, const function_facts& f, const std::string& root) {
  if (p.owned_this.count(f.id) != 0) return true;
  auto it = t.find(f.id);
  return it != t.end() && root_in(it->second.this_roots, root);
}

// Whether the object the callee of `call` runs on is `root`'s own there.
bool receiver_own(const program& p, const root_table& t, const fresh_objects& fresh,
                  const function_facts& caller, const call_fact& call, const std::string& root) {
  if (call.deferred) return false;
  if (this_owned_at(p, caller, call) || fresh.fresh_at(call)) return true;
  switch (call.receiver) {
    case call_fact::receiver_kind::this_object:
      return call.receiver_in_this && this_own(p, t, caller, root);
    case call_fact::receiver_kind::none:  // a lambda called where it is written
      return call.callee.rfind("lambda@", 0) == 0 && this_own(p, t, caller, root);
    case call_fact::receiver_kind::shared:
      return param_own(p, t, caller, call.receiver_param, root);
    case call_fact::receiver_kind::local:
      return false;  // this_owned_at said so already when it is
  }
  return false;
}

bool origin_own(const program& p, const root_table& t, const function_facts& caller, const call_fact& call,
                std::size_t i, const std::string& root) {
  if (call.deferred || i >= call.arg_origins.size()) return false;
  const arg_origin& o = call.arg_origins[i];
  if (owned_origin(p, caller, o)) return true;
  if (o.what == arg_origin::kind::param) return param_own(p, t, caller, o.param, root);
  if (o.what == arg_origin::kind::this_object) return this_own(p, t, caller, root);
  return false;
}

}  // namespace

void compute_root_ownership(program& p) {
  root_table& t = p.owned_in_root;
  for (const auto& [id, f] : p.functions) {
    auto r = p.roots_of.find(id);
    if (r == p.roots_of.end()) continue;
    std::set<std::string> handed;  // the roots that do not start here
    const auto starts = p.root_starts.find(id);
    for (const auto& root : r->second) {
      if (starts == p.root_starts.end() || !root_in(starts->second, root)) handed.insert(root);
    }
    if (handed.empty()) continue;
    auto& o = t[id];
    if (f->is_method || f->is_lambda) o.this_roots = handed;
    o.param_roots.assign(f->params.size(), handed);
  }
  const fresh_objects fresh(p);
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, g] : p.functions) {
      for (const auto& c : g->calls) {
        auto it = t.find(c.callee);
        if (it == t.end()) continue;
        auto& to = it->second;
        bool any = !to.this_roots.empty();
        for (const auto& s : to.param_roots) any = any || !s.empty();
        if (!any) continue;
        for (const auto& root : p.roots_at(*g, c.where)) {
          if (root_in(to.this_roots, root) && !receiver_own(p, t, fresh, *g, c, root)) {
            to.this_roots.erase(root);
            changed = true;
          }
          for (std::size_t i = 0; i < to.param_roots.size(); ++i) {
            if (root_in(to.param_roots[i], root) && !origin_own(p, t, *g, c, i, root)) {
              to.param_roots[i].erase(root);
              changed = true;
            }
          }
        }
      }
    }
  }
}

bool owned_in_root(const program& p, const function_facts& f, const access_fact& a, const std::string& root) {
  auto it = p.owned_in_root.find(f.id);
  if (it == p.owned_in_root.end()) return false;
  if (a.base == access_base::this_object) return root_in(it->second.this_roots, root);
  if (a.base != access_base::param || a.param < 0) return false;
  const auto& params = it->second.param_roots;
  return static_cast<std::size_t>(a.param) < params.size() &&
         root_in(params[static_cast<std::size_t>(a.param)], root);
}

}  // namespace concheck::analyzer::detail
