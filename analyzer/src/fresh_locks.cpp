// Locks of an object the caller has just made (see fresh_locks.hpp).
#include "fresh_locks.hpp"

#include "lock_paths.hpp"

namespace concheck::analyzer::detail {

void compute_factories(program& p) {
  auto& factories = p.factories;
  for (const auto& [id, f] : p.functions) {
    if (f->returns_fresh) factories.insert(id);
  }
  // A factory whose value may come from a function that is none (or is out
  // of sight) is none either.
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (factories.count(id) == 0) continue;
      for (const auto& s : f->fresh_sources) {
        if (factories.count(s) == 0) {
          factories.erase(id);
          changed = true;
          break;
        }
      }
    }
  }
}

fresh_objects::fresh_objects(const program& p) : p_(p) {}

bool fresh_objects::fresh_at(const call_fact& call) const {
  if (call.receiver_fresh.empty() || call.deferred) return false;
  for (const auto& s : call.receiver_fresh_sources) {
    if (p_.factories.count(s.str()) == 0) return false;
  }
  auto callee = p_.functions.find(call.callee);
  if (callee == p_.functions.end() || p_.ctor_exposes_this.count(callee->second->owner_class) != 0)
    return false;
  return true;
}

bool fresh_objects::own_lock(const call_fact& call, const lock_name& lock) {
  return !call.receiver_path.empty() && lock.instance == call.receiver_path;
}

bool fresh_objects::as_object_sees(const call_fact& call, lock_name& lock) {
  const std::string& root = call.receiver_path.str();
  const std::string& instance = lock.instance.str();
  if (root.empty() || instance.size() <= root.size() + 1 || !path_starts_with(instance, root)) return false;
  lock.instance = interned("this" + instance.substr(root.size()));
  return true;
}

const std::string* fresh_objects::object_class(const call_fact& call) const {
  auto callee = p_.functions.find(call.callee);
  if (callee == p_.functions.end() || callee->second->owner_class.empty()) return nullptr;
  return &callee->second->owner_class;
}

}  // namespace concheck::analyzer::detail
