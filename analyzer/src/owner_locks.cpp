// The own locks of an object being built or torn down: see owner_locks.hpp.
#include "owner_locks.hpp"

#include <map>
#include <utility>

namespace concheck::analyzer::detail {

namespace {

bool keeps_this(const program& p, const std::string& f) {
  return p.exposes_this.count(f) == 0;
}

bool in_own_object(const call_fact& c) {
  return c.receiver == call_fact::receiver_kind::this_object && c.receiver_in_this && !c.deferred;
}

// Functions that join a thread or wait on a condition variable, themselves
// or through a call on their own object or on what it holds (a member, what
// a member points at: its threads, its pool), to the method named or, for a
// virtual one, any of its overrides: least fixed point.
std::set<std::string> joining_functions(const program& p) {
  std::set<std::string> out;
  for (const auto& [id, f] : p.functions) {
    if (!f->joins.empty() || !f->cv_waits.empty()) out.insert(id);
  }
  auto waits = [&](const call_fact& c) {
    const std::string& object = c.receiver_path.str();
    if (object != "this" && object.rfind("this.", 0) != 0) return false;
    if (out.count(c.callee.str()) != 0) return true;
    auto over = p.overriders.find(c.callee.str());
    if (over == p.overriders.end()) return false;
    for (const auto& o : over->second) {
      if (out.count(o) != 0) return true;
    }
    return false;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (out.count(id) != 0) continue;
      for (const auto& c : f->calls) {
        if (!waits(c)) continue;
        out.insert(id);
        changed = true;
        break;
      }
    }
  }
  return out;
}

}  // namespace

owner_contexts::owner_contexts(const program& p) : p_(p) {
  std::set<std::string> entries;
  // Classes that start or run threads of their own, or hand their objects
  // on (a constructor registering `this`, a method storing it).
  std::set<std::string> self_shared;
  std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>> sites;
  for (const auto& [id, f] : p.functions) {
    for (const auto& s : f->spawns) {
      entries.insert(s.entry);
      if (!f->owner_class.empty()) self_shared.insert(f->owner_class);
      if (auto e = p.functions.find(s.entry); e != p.functions.end() && !e->second->owner_class.empty())
        self_shared.insert(e->second->owner_class);
    }
    for (const auto& c : f->calls) sites[c.callee].push_back({f, &c});
    if (!f->owner_class.empty() && !keeps_this(p, id)) self_shared.insert(f->owner_class);
  }
  const std::set<std::string> waiting = joining_functions(p);
  std::set<std::string> helpers;
  for (const auto& [id, f] : p.functions) {
    if (!keeps_this(p, id) || waiting.count(id) != 0 || entries.count(id) != 0) continue;
    if (f->is_ctor_or_dtor && !f->owner_class.empty()) {
      if (self_shared.count(f->owner_class) == 0) contexts_.insert(id);
    } else if (f->is_method && !f->is_public && !f->is_virtual && !f->is_lambda && sites.count(id) != 0 &&
               self_shared.count(f->owner_class) == 0) {
      contexts_.insert(id);
      helpers.insert(id);
    }
  }
  // Greatest fixed point: a helper stays while every call of it is an owner
  // context's call on its own object.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = helpers.begin(); it != helpers.end();) {
      bool kept = true;
      for (const auto& [caller, call] : sites.at(*it)) {
        kept = kept && contexts_.count(caller->id) != 0 && in_own_object(*call);
      }
      if (kept) {
        ++it;
        continue;
      }
      contexts_.erase(*it);
      it = helpers.erase(it);
      changed = true;
    }
  }
}

bool owner_contexts::own_lock(const function_facts& f, const lock_name& lock) const {
  return lock.instance.str() == "this" && owner_only(f.id);
}

bool owner_contexts::own_held(const function_facts& f, const std::vector<held_lock>& held,
                              const lock_name& lock) const {
  if (!owner_only(f.id)) return false;
  bool seen = false;
  for (const auto& h : held) {
    if (h.lock.id != lock.id) continue;
    if (h.lock.instance.str() != "this") return false;
    seen = true;
  }
  return seen;
}

bool owner_contexts::in_place(const function_facts& caller, const call_fact& call) const {
  return owner_only(caller.id) && in_own_object(call) && keeps_this(p_, call.callee.str());
}

}  // namespace concheck::analyzer::detail
