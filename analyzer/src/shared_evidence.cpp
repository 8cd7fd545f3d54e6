// Evidence that an object is shared: see shared_evidence.hpp.
#include "shared_evidence.hpp"

#include "ownership.hpp"

namespace concheck::analyzer::detail {

bool program::param_shared(const std::string& function, int param) const {
  auto it = shared_params.find(function);
  return it != shared_params.end() && param >= 0 && static_cast<std::size_t>(param) < it->second.size() &&
         it->second[static_cast<std::size_t>(param)];
}

namespace {

bool mark_param(program& p, const std::string& callee, std::size_t i) {
  auto it = p.shared_params.find(callee);
  if (it == p.shared_params.end() || i >= it->second.size() || it->second[i]) return false;
  it->second[i] = true;
  return true;
}

// Whether an argument of a call made in `f` carries a shared object.
bool shared_origin(const program& p, const function_facts& f, const arg_origin& o) {
  switch (o.what) {
    case arg_origin::kind::shared_root:
      return true;
    case arg_origin::kind::this_object:
      return p.shared_this.count(f.id) != 0 && p.owned_this.count(f.id) == 0;
    case arg_origin::kind::param:
      return p.param_shared(f.id, o.param);
    case arg_origin::kind::owned:
    case arg_origin::kind::shared:
      return false;
  }
  return false;
}

}  // namespace

bool shared_receiver(const program& p, const function_facts& f, const call_fact& c) {
  if (this_owned_at(p, f, c)) return false;
  bool on_this = c.receiver == call_fact::receiver_kind::this_object || c.callee.rfind("lambda@", 0) == 0;
  if (on_this) return p.shared_this.count(f.id) != 0;
  if (c.receiver != call_fact::receiver_kind::shared) return false;
  return c.receiver_root || p.param_shared(f.id, c.receiver_param);
}

void compute_shared_this(program& p) {
  for (const auto& [id, f] : p.functions) {
    p.shared_params[id].assign(f->params.size(), false);
    // A method that takes a global lock (not another object's: a cursor
    // locking its database) marks its class as written to be shared.
    for (const auto& a : f->acquisitions) {
      if (f->is_method && !f->owner_class.empty() && a.lock.instance.str() == "global")
        p.classes_locking_any.insert(f->owner_class);
    }
  }
  for (const auto& [id, f] : p.functions) {
    for (const auto& s : f->spawns) {
      p.shared_this.insert(s.entry);
      if (auto e = p.shared_params.find(s.entry); e != p.shared_params.end())
        e->second.assign(e->second.size(), true);
    }
    // Public methods of a class that takes its own lock run on objects many
    // threads reach (the api roots), so do the members they call into.
    if (auto r = p.roots_of.find(id); r != p.roots_of.end() && f->is_method && !f->is_ctor_or_dtor) {
      for (const auto& root : r->second) {
        if (root == "api:" + f->owner_class) p.shared_this.insert(id);
      }
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      for (const auto& c : f->calls) {
        if (shared_receiver(p, *f, c)) changed |= p.shared_this.insert(c.callee).second;
        for (std::size_t i = 0; i < c.arg_origins.size(); ++i) {
          if (shared_origin(p, *f, c.arg_origins[i])) changed |= mark_param(p, c.callee, i);
        }
      }
    }
  }
}

}  // namespace concheck::analyzer::detail
