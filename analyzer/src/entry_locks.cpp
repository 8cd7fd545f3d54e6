// The locks every caller holds for writing on a helper's own object: see
// entry_locks.hpp.
#include "entry_locks.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

namespace concheck::analyzer::detail {

namespace {

using lock_ids = std::vector<interned>;

// The locks held for writing on every path at `call` whose instance is
// `instance`, by id, sorted.
lock_ids exclusive_held(const call_fact& call, const std::string& instance) {
  lock_ids out;
  for (const auto& h : call.held_locks) {
    if (!h.shared && h.lock.instance == instance) out.push_back(h.lock.id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

lock_ids merged(const lock_ids& a, const lock_ids& b) {
  lock_ids out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

std::map<std::string, std::vector<interned>> exclusive_entry_locks(const program& p) {
  std::set<std::string> entries;
  std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>> sites;
  for (const auto& [id, f] : p.functions) {
    for (const auto& s : f->spawns) entries.insert(s.entry);
    for (const auto& c : f->calls) sites[c.callee].push_back({f, &c});
  }
  // nullopt = "every lock" while no call has decided it yet.
  std::map<std::string, std::optional<lock_ids>> table;
  for (const auto& [id, f] : p.functions) {
    if (f->is_method && !f->is_public && !f->is_virtual && !f->is_ctor_or_dtor && !f->is_lambda &&
        entries.count(id) == 0 && sites.count(id) != 0)
      table[id] = std::nullopt;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [id, value] : table) {
      std::optional<lock_ids> meet;
      for (const auto& [caller, call] : sites.at(id)) {
        lock_ids here;
        const std::string& path = call->receiver_path.str();
        if (path == "this") {
          auto own = table.find(caller->id);
          if (own != table.end() && !own->second) continue;  // the caller is undecided yet
          here = exclusive_held(*call, "this");
          if (own != table.end()) here = merged(here, *own->second);
        } else if (!path.empty() && call->receiver != call_fact::receiver_kind::none) {
          here = exclusive_held(*call, path);
        }
        if (!meet) {
          meet = std::move(here);
        } else {
          lock_ids both;
          std::set_intersection(meet->begin(), meet->end(), here.begin(), here.end(),
                                std::back_inserter(both));
          meet = std::move(both);
        }
      }
      if (meet && value != meet) {
        value = std::move(meet);
        changed = true;
      }
    }
  }
  std::map<std::string, std::vector<interned>> out;
  for (auto& [id, value] : table) {
    if (value && !value->empty()) out[id] = std::move(*value);
  }
  return out;
}

}  // namespace concheck::analyzer::detail
