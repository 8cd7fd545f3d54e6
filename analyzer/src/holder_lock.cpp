// The holder's lock: see holder_lock.hpp.
#include "holder_lock.hpp"

#include <algorithm>
#include <optional>

namespace concheck::analyzer::detail {

namespace {

// The ids of the locks of the caller's own object held for writing at a call.
std::vector<interned> own_locks_held(const call_fact& call) {
  std::vector<interned> out;
  for (const auto& l : call.held.may) {
    const std::string& inst = l.instance.str();
    if (inst != "this" && inst.rfind("this.", 0) != 0) continue;
    bool reader_only = std::any_of(call.held.shared_only.begin(), call.held.shared_only.end(),
                                   [&](const lock_name& r) { return r.id == l.id; });
    if (!reader_only) out.push_back(l.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

lock_name holder_lock(bool optional) {
  lock_name lock{interned("concheck:holder-lock"), interned("the holder's lock"), interned(""), false};
  lock.optional = optional;
  return lock;
}

holder_locks holder_locked_calls(const call_sites& sites,
                                 const std::map<std::string, std::vector<interned>>& entry_locks) {
  holder_locks out;
  for (const auto& [callee, calls] : sites) {
    // Per member (receiver_member): its calls, and the locks all of them hold.
    std::map<std::string, std::pair<std::vector<const call_fact*>, std::optional<std::vector<interned>>>>
        members;
    for (const auto& [caller, call] : calls) {
      if (!call->receiver_in_this || call->receiver_member.empty()) continue;
      auto& [member_calls, common] = members[call->receiver_member.str()];
      member_calls.push_back(call);
      auto held = own_locks_held(*call);
      // What every call of the caller holds on its own object (a private
      // helper called only under the holder's lock: entry_locks.hpp).
      if (auto e = entry_locks.find(caller->id); e != entry_locks.end()) {
        std::vector<interned> with;
        std::set_union(held.begin(), held.end(), e->second.begin(), e->second.end(),
                       std::back_inserter(with));
        held = std::move(with);
      }
      if (!common) {
        common = std::move(held);
      } else {
        std::vector<interned> both;
        std::set_intersection(common->begin(), common->end(), held.begin(), held.end(),
                              std::back_inserter(both));
        *common = std::move(both);
      }
    }
    for (const auto& [member, entry] : members) {
      if (!entry.second || entry.second->empty()) continue;
      // Optional when every common lock is held optionally at some call.
      bool optional = std::all_of(entry.second->begin(), entry.second->end(), [&](const interned& id) {
        return std::any_of(entry.first.begin(), entry.first.end(), [&](const call_fact* c) {
          return std::any_of(c->held.may.begin(), c->held.may.end(),
                             [&](const lock_name& l) { return l.id == id && l.optional; });
        });
      });
      for (const call_fact* c : entry.first) out.emplace(c, optional);
    }
  }
  return out;
}

}  // namespace concheck::analyzer::detail
