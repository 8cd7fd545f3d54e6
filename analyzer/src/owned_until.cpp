// Methods owned up to where a thread may first reach them: see owned_until.hpp.
#include "owned_until.hpp"

#include "before_start.hpp"

namespace concheck::analyzer::detail {

namespace {

bool same_place(const location& a, const location& b) {
  return a.file == b.file && a.line == b.line && a.column == b.column;
}

// Whether `call` (in `caller`) runs on the caller's own object or a member of
// it held by value, where the caller's `this` is owned.
bool owned_up_to_call(const program& p, const function_facts& caller, const call_fact& call) {
  if (call.receiver != call_fact::receiver_kind::this_object || !call.receiver_in_this) return false;
  if (p.owned_this.count(caller.id) != 0) return true;
  auto until = p.owned_until.find(caller.id);
  if (until == p.owned_until.end()) return false;
  std::vector<start_point> others;
  for (const auto& pt : until->second) {
    if (!same_place(pt.where, call.where)) others.push_back(pt);
  }
  return owned_before_start(others, call.where);
}

// Every method some virtual method overrides, directly or not.
std::map<std::string, std::vector<std::string>> overridden(const program& p) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [base, overrides] : p.overriders) {
    for (const auto& o : overrides) out[o].push_back(base);
  }
  return out;
}

}  // namespace

void compute_owned_until(program& p, const call_sites& sites, const std::set<std::string>& entries) {
  auto bases = overridden(p);
  // Methods a call may run other than through their own call sites.
  auto dispatched = [&](const std::string& id) {
    auto b = bases.find(id);
    if (b == bases.end()) return false;
    for (const auto& base : b->second) {
      if (sites.count(base) != 0) return true;
    }
    return false;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (!f->is_method || f->is_ctor_or_dtor || p.owned_this.count(id) != 0 || p.owned_until.count(id) != 0)
        continue;
      auto s = sites.find(id);
      if (s == sites.end() || entries.count(id) != 0) continue;
      if (f->is_virtual && dispatched(id)) continue;
      bool all_before = true;
      for (const auto& [caller, call] : s->second) {
        all_before =
            all_before && (before_start_at(p, *caller, *call, true) || owned_up_to_call(p, *caller, *call));
      }
      if (!all_before) continue;
      if (auto at = own_start_point(p, *f)) {
        p.owned_until.emplace(id, std::move(*at));
        changed = true;
      }
    }
  }
}

}  // namespace concheck::analyzer::detail
