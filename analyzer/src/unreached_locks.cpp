// Locks of an object no other thread can reach yet (see unreached_locks.hpp).
#include "unreached_locks.hpp"

#include "before_start.hpp"

namespace concheck::analyzer::detail {

namespace {

bool on_own_object(const call_fact& c) {
  return c.receiver_path.str() == "this" && !c.deferred;
}

bool add_all(std::set<std::string>& to, const std::set<std::string>& from) {
  bool changed = false;
  for (const auto& id : from) changed |= to.insert(id).second;
  return changed;
}

}  // namespace

unreached_locks::unreached_locks(const program& p) : p_(p) {
  for (const auto& [id, f] : p.functions) {
    for (const auto& a : f->acquisitions) {
      if (a.try_lock) continue;
      (a.lock.instance.str() == "this" ? own_ : foreign_)[id].insert(a.lock.id.str());
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      for (const auto& c : f->calls) {
        if (c.callee == id) continue;
        // std::map: inserting another function's entry moves no set.
        if (auto it = foreign_.find(c.callee.str()); it != foreign_.end())
          changed |= add_all(foreign_[id], it->second);
        if (auto it = own_.find(c.callee.str()); it != own_.end())
          changed |= add_all(on_own_object(c) ? own_[id] : foreign_[id], it->second);
      }
    }
  }
}

bool unreached_locks::unreached_at(const function_facts& caller, const call_fact& call,
                                   const std::string& lock_id) const {
  return callee_own(call, lock_id) && before_start_at(p_, caller, call);
}

bool unreached_locks::callee_own(const call_fact& call, const std::string& lock_id) const {
  auto own = own_.find(call.callee.str());
  if (own == own_.end() || own->second.count(lock_id) == 0) return false;
  if (auto foreign = foreign_.find(call.callee.str());
      foreign != foreign_.end() && foreign->second.count(lock_id) != 0)
    return false;
  return true;
}

}  // namespace concheck::analyzer::detail
