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

}  // namespace

void check_unprotected_writes(const program& p, const analysis_options& options, rule_output& out) {
  const bool raw = options.raw_unprotected_writes;
  auto by_var = collect_shared_accesses(p, raw);
  for (auto& [key, accesses] : by_var) {
    const var_info& v = p.vars.at(key);
    lock_witness best = most_held_lock(accesses, false);
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
      if (best.access != nullptr) {
        const located_access* witness = best.access;
        const lock_name* lock = best.lock;
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
