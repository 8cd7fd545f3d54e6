// The shared accesses both data-race rules look at: see shared_accesses.hpp.
#include "shared_accesses.hpp"

#include <algorithm>

#include "ownership.hpp"
#include "root_ownership.hpp"

namespace concheck::analyzer::detail {

namespace {

// The thread roots an access runs under. A local variable exists once per
// call of its function, so it is only shared between the function's code after
// it starts a thread and the lambdas it starts as threads (not with other
// calls of the same function, whatever roots that function has).
std::set<std::string> roots_of_access(const program& p, const function_facts& f, const access_fact& a,
                                      const var_info& v) {
  if (v.kind != var_kind::local) return p.roots_at(f, a.where);
  std::set<std::string> out;
  if (f.is_lambda) {
    if (auto r = p.roots.find("thread:" + f.id); r != p.roots.end()) out.insert(r->first);
    return out;
  }
  if (p.roots_at(f, a.where).count("spawner:" + f.id) != 0) out.insert("spawner:" + f.id);
  return out;
}

// A member of a class whose methods take no lock of its own, reached through
// `this` in a method no other thread's object runs: this object is not
// reachable from shared state, whatever other objects of the class are.
// Likewise another object of the method's own lock-free class reached through
// a parameter (`rhs.state_` in a copy constructor or operator=, `other.x_`):
// a value type's copy, move or compare touches whatever object its caller
// names, and the caller's own accesses are what is judged. A field of a
// member object the object holds by value (`this->m.f`, access_fact::via_this)
// is part of the object and judged with it. Any lock-free
// class's member reached through a parameter that no evidence makes shared
// (program::shared_params) is judged the same way.
bool unshared_instance(const program& p, const function_facts& f, const access_fact& a, const var_info& v) {
  if (v.kind != var_kind::field) return false;
  auto c = p.classes.find(v.owner_class);
  bool locking = c != p.classes.end() && c->second.takes_own_lock;
  if (a.via_this && f.owner_class != v.owner_class) {
    auto m = p.classes.find(f.owner_class);
    locking = locking || (m != p.classes.end() && m->second.takes_own_lock);
  }
  if (locking || !v.guarded_by.empty()) return false;  // written to be shared, or annotated so
  // A class whose own methods take some lock (a global one) is written to be
  // shared: what its methods do to their object is judged.
  if (a.via_this)
    return p.shared_this.count(f.id) == 0 && p.classes_locking_any.count(v.owner_class) == 0 &&
           p.classes_locking_any.count(f.owner_class) == 0;
  if (a.base != access_base::param) return false;
  // A member of a lock-free class reached through a parameter no caller passes
  // a shared object for (shared_evidence.hpp): an object of unknown origin is
  // no evidence that other threads reach it.
  return f.owner_class == v.owner_class || !p.param_shared(f.id, a.param);
}

}  // namespace

std::map<std::string, std::vector<located_access>> collect_shared_accesses(const program& p, bool raw) {
  std::map<std::string, std::vector<located_access>> by_var;
  for (const auto& [id, f] : p.functions) {
    const auto& req_any = p.required_may.at(id);
    const auto& req_this = p.required_this_may.at(id);
    for (const auto& a : f->accesses) {
      const auto& req = a.via_this ? req_this : req_any;
      auto v = p.vars.find(a.var);
      if (v == p.vars.end() || v->second.atomic || v->second.constant || v->second.thread_local_storage)
        continue;
      if (v->second.kind == var_kind::field) {
        auto c = p.classes.find(v->second.owner_class);
        if (c != p.classes.end() && c->second.system) continue;  // std::pair::second and friends
      }
      if (!raw && (owned_access(p, *f, a) || unshared_instance(p, *f, a, v->second))) continue;
      // A write under a reader lock alone is not protected by it (the
      // caller's locks carry no mode and count as they are).
      std::vector<lock_name> local = a.held.may;
      if (a.write) {
        std::erase_if(local, [&](const lock_name& l) {
          return std::any_of(a.held.shared_only.begin(), a.held.shared_only.end(),
                             [&](const lock_name& r) { return r.id == l.id; });
        });
      }
      const auto own = lock_union(f->requires_locks, f->released_unheld);
      auto held = lock_union(lock_union(local, req), own);
      located_access la{&a, f, std::move(held), roots_of_access(p, *f, a, v->second), {}, {}};
      // Under a root that runs it only on data its thread made for itself
      // (root_ownership.hpp) it is no shared access; under none, none at all.
      const auto root_owned = [&](const std::string& r) { return !raw && owned_in_root(p, *f, a, r); };
      if (!la.roots.empty() && std::erase_if(la.roots, root_owned) != 0 && la.roots.empty()) continue;
      if (auto o = p.origin_locks.find(id); a.via_this && o != p.origin_locks.end()) {
        // The roots a thread start in this very function adds (its region).
        std::set<std::string> region;
        if (auto r = p.roots_of.find(id); r != p.roots_of.end()) {
          std::set_difference(la.roots.begin(), la.roots.end(), r->second.begin(), r->second.end(),
                              std::inserter(region, region.end()));
        }
        for (const auto& [origin, facts] : o->second) {
          la.origin_held[origin] = lock_union(lock_union(local, facts.locks), own);
          auto& roots = la.origin_roots[origin];
          roots = facts.roots;
          roots.insert(region.begin(), region.end());
          std::erase_if(roots, root_owned);
        }
      }
      by_var[a.var].push_back(std::move(la));
    }
  }
  for (auto& [key, accesses] : by_var) {
    std::sort(accesses.begin(), accesses.end(), [](const located_access& a, const located_access& b) {
      return location_less(a.access->where, b.access->where);
    });
  }
  return by_var;
}

lock_witness most_held_lock(const std::vector<located_access>& accesses, bool writes_only,
                            bool unconditional_only) {
  std::map<std::string, int> counts;
  std::map<std::string, const located_access*> first_with;
  for (const auto& a : accesses) {
    if (writes_only && !a.access->write) continue;
    for (const auto& l : a.held) {
      if (unconditional_only && l.optional) continue;
      ++counts[l.id];
      if (first_with.count(l.id) == 0) first_with[l.id] = &a;
    }
  }
  std::string best;
  for (const auto& [id, n] : counts) {
    if (best.empty() || n > counts[best]) best = id;
  }
  lock_witness w;
  if (best.empty()) return w;
  w.access = first_with[best];
  for (const auto& l : w.access->held) {
    if (l.id == best) w.lock = &l;
  }
  return w;
}

}  // namespace concheck::analyzer::detail
