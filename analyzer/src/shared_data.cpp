// Rule unprotected-write: a write to shared data, with no lock held, in code
// that can run concurrently, when the data is
//  (1) annotated GUARDED_BY(L) and L is not held (ground truth), or
//  (2) accessed elsewhere with a lock held (the lock shows it needs one), or
//  (3) accessed by other code that can run at the same time (another thread
//      root, or the same root run by several threads).
// A lock "held" here is held on some path into the write (flow "may" set) or
// at every call site of the enclosing function: a write is only called
// unprotected when no path holds a lock, which keeps reports precise.
#include <fmt/format.h>

#include <algorithm>

#include "rules.hpp"

namespace concheck::analyzer::detail {

std::string quoted_list(const std::vector<lock_name>& locks) {
  std::string out;
  for (const auto& l : locks) {
    if (!out.empty()) out += ", ";
    out += "'" + l.display + "'";
  }
  return out;
}

namespace {

struct located_access {
  const access_fact* access;
  const function_facts* function;
  std::vector<lock_name> held;  // effective (may) locks
  std::set<std::string> roots;
};

std::string describe_root(const thread_root& r) {
  if (r.id.rfind("api:", 0) == 0) {
    return fmt::format("'{}' owns a lock: its public methods may run in several threads at once", r.display);
  }
  if (r.id.rfind("spawner:", 0) == 0)
    return fmt::format("'{}' keeps running after starting a thread here", r.display);
  if (r.multiplicity >= 2)
    return fmt::format("'{}' runs in several threads at once, started here", r.display);
  return fmt::format("'{}' runs in a thread started here", r.display);
}

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

bool holds_any(const std::vector<lock_name>& held, const std::vector<lock_name>& wanted) {
  for (const auto& w : wanted) {
    if (std::find(held.begin(), held.end(), w) != held.end()) return true;
  }
  return false;
}

}  // namespace

void check_unprotected_writes(const program& p, const analysis_options& options, rule_output& out) {
  const bool raw = options.raw_unprotected_writes;
  std::map<std::string, std::vector<located_access>> by_var;
  for (const auto& [id, f] : p.functions) {
    const auto& req = p.required_may.at(id);
    for (const auto& a : f->accesses) {
      auto v = p.vars.find(a.var);
      if (v == p.vars.end() || v->second.atomic || v->second.constant || v->second.thread_local_storage)
        continue;
      // A write under a reader lock alone is not protected by it (the
      // caller's locks carry no mode and count as they are).
      std::vector<lock_name> local = a.held.may;
      if (a.write)
        std::erase_if(local, [&](const lock_name& l) { return holds_any(a.held.shared_only, {l}); });
      auto held = lock_union(lock_union(local, req), lock_union(f->requires_locks, f->released_unheld));
      located_access la{&a, f, std::move(held), roots_of_access(p, *f, a, v->second)};
      by_var[a.var].push_back(std::move(la));
    }
  }
  for (auto& [key, accesses] : by_var) {
    const var_info& v = p.vars.at(key);
    std::sort(accesses.begin(), accesses.end(), [](const located_access& a, const located_access& b) {
      return location_less(a.access->where, b.access->where);
    });
    // The lock most often held where this data is accessed, and its first site.
    std::map<std::string, int> counts;
    std::map<std::string, const located_access*> first_with;
    for (const auto& a : accesses) {
      for (const auto& l : a.held) {
        ++counts[l.id];
        if (first_with.count(l.id) == 0) first_with[l.id] = &a;
      }
    }
    std::string best;
    for (const auto& [id, n] : counts) {
      if (best.empty() || n > counts[best]) best = id;
    }
    bool field_of_locking_class = false;
    if (v.kind == var_kind::field) {
      auto c = p.classes.find(v.owner_class);
      field_of_locking_class = c != p.classes.end() && c->second.takes_own_lock;
      if (c != p.classes.end() && c->second.system) continue;  // std::pair::second and friends
    }
    for (const auto& w : accesses) {
      if (!w.access->write) continue;
      if (!v.guarded_by.empty()) {
        if (holds_any(w.held, v.guarded_by)) continue;
        out.add(w.access->where,
                fmt::format("write to '{}' without holding {}, which guards it", v.display,
                            quoted_list(v.guarded_by)),
                {note{v.declared, fmt::format("'{}' is declared GUARDED_BY {} here", v.display,
                                              quoted_list(v.guarded_by))}});
        continue;
      }
      if (!w.held.empty() || (w.roots.empty() && !raw)) continue;  // protected, or never concurrent
      if (!best.empty()) {
        const located_access* witness = first_with[best];
        const lock_name* lock = nullptr;
        for (const auto& l : witness->held) {
          if (l.id == best) lock = &l;
        }
        std::string headline =
            w.access->held.shared_only.empty()
                ? fmt::format("write to '{}' without holding a lock; elsewhere it is accessed with '{}' held",
                              v.display, lock->display)
                : fmt::format(
                      "write to '{}' holding {} only for reading; elsewhere it is accessed with '{}' held",
                      v.display, quoted_list(w.access->held.shared_only), lock->display);
        out.add(w.access->where, std::move(headline),
                {note{witness->access->where,
                      fmt::format("'{}' is accessed here with '{}' held", v.display, lock->display)}});
        continue;
      }
      // No lock anywhere: report only a write that really meets another access.
      // A member of a lock-free class reached through `this` is shared only
      // when the method runs on an object other threads can reach.
      if (v.kind == var_kind::field && !field_of_locking_class && w.access->via_this &&
          p.shared_this.count(w.function->id) == 0 && !raw) {
        continue;
      }
      const located_access* other = nullptr;
      for (const auto& a : accesses) {
        if (&a != &w && p.concurrent(w.roots, a.roots)) {
          other = &a;
          break;
        }
      }
      std::vector<note> notes;
      if (other != nullptr) {
        notes.push_back(note{other->access->where, fmt::format("conflicting {} of '{}' here, in '{}'",
                                                               other->access->write ? "write" : "read",
                                                               v.display, other->function->display)});
      } else if (p.concurrent(w.roots, w.roots)) {
        // The write itself runs concurrently with itself: show why.
        int shown = 0;
        for (const auto& r : w.roots) {
          auto it = p.roots.find(r);
          if (it == p.roots.end() || shown == 2) continue;
          notes.push_back(note{it->second.started, describe_root(it->second)});
          ++shown;
          if (it->second.multiplicity >= 2) break;
        }
      } else if (!raw) {
        continue;
      }
      out.add(w.access->where,
              fmt::format("write to '{}' without holding a lock, while other threads access it", v.display),
              std::move(notes));
    }
  }
}

}  // namespace concheck::analyzer::detail
