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
#include <optional>
#include <set>

#include "rules.hpp"
#include "shared_accesses.hpp"

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

bool holds_any(const std::vector<lock_name>& held, const std::vector<lock_name>& wanted) {
  for (const auto& w : wanted) {
    if (std::find(held.begin(), held.end(), w) != held.end()) return true;
  }
  return false;
}

// The access to cite as the lock's evidence for the unlocked write `w`:
// `best` when the two can run concurrently on evidence (a thread start or a
// spawner's region on one side), else the first access under the same lock
// that can, or that writes under it unconditionally; else a write under any
// lock taken unconditionally (`best_write`). When only the class-lock
// assumption makes them concurrent and the data is only read under locks,
// nothing: a read under a lock taken for other data (a queue's owner reading
// its thread array while it holds the task lock) does not show that the
// write needs it. Nor does a write under a lock the code takes only when a
// condition says so (`cond ? &m : nullptr`, lock_name::optional): the same
// code makes that write unlocked when the condition is false, so the data
// needs the lock in one configuration only, and nothing shows that `w` runs
// in that one (docs/analyzer-checks.md, unprotected-write).
lock_witness evidenced_witness(const program& p, const located_access& w,
                               const std::vector<located_access>& accesses, const lock_witness& best,
                               const lock_witness& best_write) {
  if (p.concurrent_on_evidence(w.roots, best.access->roots)) return best;
  for (const auto& a : accesses) {
    auto h = std::find(a.held.begin(), a.held.end(), *best.lock);
    if (h == a.held.end()) continue;
    if ((a.access->write && !h->optional) || p.concurrent_on_evidence(w.roots, a.roots))
      return {&a, best.lock};
  }
  return best_write;
}

// The accesses that may be on the object an unlocked write `w` touches
// unlocked. When every origin under which `w` holds no lock is a holder's
// fresh pointer member (member_origins.hpp), an access reached only through
// other such members is on another object: it is neither the lock's evidence
// nor a conflict. Each access kept (`w` included) runs under the roots of
// the origins it shares with those. nullopt: every access may be on that
// object.
std::optional<std::vector<located_access>> same_object_accesses(const located_access& w,
                                                                const std::vector<located_access>& accesses) {
  if (w.origin_held.empty()) return std::nullopt;
  std::set<std::string> unlocked;
  for (const auto& [origin, held] : w.origin_held) {
    if (!held.empty()) continue;
    if (origin.empty()) return std::nullopt;
    unlocked.insert(origin);
  }
  std::vector<located_access> out;
  for (const auto& a : accesses) {
    if (a.origin_held.empty() || a.origin_held.count("") != 0) {
      out.push_back(a);
      continue;
    }
    located_access kept = a;
    kept.roots.clear();
    bool may_alias = false;
    for (const auto& o : unlocked) {
      auto r = a.origin_roots.find(o);
      if (r == a.origin_roots.end()) continue;
      may_alias = true;
      kept.roots.insert(r->second.begin(), r->second.end());
    }
    if (may_alias) out.push_back(std::move(kept));
  }
  return out;
}

}  // namespace

void check_unprotected_writes(const program& p, const analysis_options& options, rule_output& out) {
  const bool raw = options.raw_unprotected_writes;
  auto by_var = collect_shared_accesses(p, raw);
  for (auto& [key, accesses] : by_var) {
    const var_info& v = p.vars.at(key);
    const lock_witness all_best = most_held_lock(accesses, false);
    const lock_witness all_best_write = most_held_lock(accesses, true, true);
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
      // Only what may be on the object the write touches unlocked.
      const auto narrowed = raw ? std::nullopt : same_object_accesses(w, accesses);
      const std::vector<located_access>& pool = narrowed ? *narrowed : accesses;
      const lock_witness best = narrowed ? most_held_lock(pool, false) : all_best;
      const lock_witness best_write = narrowed ? most_held_lock(pool, true, true) : all_best_write;
      // The write as it runs unlocked (its roots on those origins alone). Not
      // in the pool: every origin holds some lock, each object its own.
      auto self = std::find_if(pool.begin(), pool.end(),
                               [&](const located_access& a) { return a.access == w.access; });
      if (self == pool.end()) continue;
      const located_access& me = *self;
      if (best.access != nullptr) {
        const lock_witness chosen = raw || !w.access->held.shared_only.empty()
                                        ? best
                                        : evidenced_witness(p, me, pool, best, best_write);
        if (chosen.access == nullptr) continue;  // only the class-lock assumption, and no locked write
        const located_access* witness = chosen.access;
        const lock_name* lock = chosen.lock;
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
      // No lock anywhere: report only a write that really meets another
      // access, on evidence (a thread start or a spawner's region on one
      // side at least): with no lock to show the data needs one, the
      // class-lock assumption alone is no reason to report.
      auto meets = [&](const std::set<std::string>& a, const std::set<std::string>& b) {
        return raw ? p.concurrent(a, b) : p.concurrent_on_evidence(a, b);
      };
      const located_access* other = nullptr;
      for (const auto& a : pool) {
        if (a.access != w.access && meets(me.roots, a.roots)) {
          other = &a;
          break;
        }
      }
      std::vector<note> notes;
      if (other != nullptr) {
        notes.push_back(note{other->access->where, fmt::format("conflicting {} of '{}' here, in '{}'",
                                                               other->access->write ? "write" : "read",
                                                               v.display, other->function->display)});
      } else if (meets(me.roots, me.roots)) {
        // The write itself runs concurrently with itself: show why.
        // The thread starts first: they are the evidence (meets() above).
        std::vector<std::string> ordered(me.roots.begin(), me.roots.end());
        std::stable_partition(ordered.begin(), ordered.end(), started_root);
        int shown = 0;
        for (const auto& r : ordered) {
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
