// The holder's pointer member a method's object is reached through: see
// member_origins.hpp.
#include "member_origins.hpp"

#include <algorithm>
#include <optional>

namespace concheck::analyzer::detail {

namespace {

using origin_table = std::map<std::string, program::origin_facts>;

// Per origin while the calls are met: the locks every call holds (nullopt
// before the first) and the roots any call runs under.
struct meeting {
  std::optional<std::vector<lock_name>> locks;
  std::set<std::string> roots;
  void add(const std::vector<lock_name>& here, const std::set<std::string>& here_roots) {
    roots.insert(here_roots.begin(), here_roots.end());
    if (!locks) {
      locks = here;
      return;
    }
    std::vector<lock_name> both;
    std::set_intersection(locks->begin(), locks->end(), here.begin(), here.end(), std::back_inserter(both));
    locks = std::move(both);
  }
};

std::vector<lock_name> held_at(const call_fact& call, const holder_locks& holder_locked) {
  std::vector<lock_name> held = call.held.may;
  std::sort(held.begin(), held.end());
  held.erase(std::unique(held.begin(), held.end()), held.end());
  if (auto h = holder_locked.find(&call); h != holder_locked.end())
    held = lock_union(held, {holder_lock(h->second)});
  return held;
}

// A call on the caller's object itself (not a member of it).
bool on_own_object(const call_fact& c) {
  return c.receiver == call_fact::receiver_kind::this_object && c.receiver_in_this &&
         c.receiver_member.empty();
}

}  // namespace

void compute_origin_locks(program& p, const std::set<std::string>& entries, const call_sites& this_sites,
                          const holder_locks& holder_locked) {
  constexpr int kMaxRounds = 64;
  std::map<std::string, origin_table> table;
  bool changed = true;
  for (int round = 0; changed && round < kMaxRounds; ++round) {
    changed = false;
    for (const auto& [id, sites] : this_sites) {
      if (entries.count(id) != 0 || p.functions.count(id) == 0) continue;
      std::map<std::string, meeting> meets;
      for (const auto& [caller, call] : sites) {
        const auto held = held_at(*call, holder_locked);
        const auto roots = p.roots_at(*caller, call->where);
        const std::string& member = call->receiver_pointer_member.str();
        auto own = table.find(caller->id);
        if (!member.empty() && p.fresh_members.count(member) != 0) {
          meets[member].add(lock_union(held, p.required_this_may[caller->id]), roots);
        } else if (on_own_object(*call) && own != table.end() && !own->second.empty()) {
          // The caller's origins, with the part of its roots its own thread
          // starts add at this point (its spawner region).
          std::set<std::string> region;
          const auto& whole = p.roots_of[caller->id];
          std::set_difference(roots.begin(), roots.end(), whole.begin(), whole.end(),
                              std::inserter(region, region.end()));
          for (const auto& [origin, facts] : own->second) {
            std::set<std::string> r = facts.roots;
            r.insert(region.begin(), region.end());
            meets[origin].add(lock_union(held, facts.locks), r);
          }
        } else {
          bool same_object = call->receiver == call_fact::receiver_kind::this_object;
          meets[""].add(
              lock_union(held, same_object ? p.required_this_may[caller->id] : p.required_may[caller->id]),
              roots);
        }
      }
      origin_table next;
      for (auto& [origin, m] : meets) {
        if (m.locks) next[origin] = program::origin_facts{lock_union(*m.locks, p.required_may[id]), m.roots};
      }
      if (table[id] != next) {
        table[id] = std::move(next);
        changed = true;
      }
    }
  }
  if (changed) return;  // no fixed point in time: no origins, every object may be any other
  for (auto& [id, origins] : table) {
    bool any_member =
        std::any_of(origins.begin(), origins.end(), [](const auto& o) { return !o.first.empty(); });
    if (any_member) p.origin_locks[id] = std::move(origins);
  }
}

}  // namespace concheck::analyzer::detail
