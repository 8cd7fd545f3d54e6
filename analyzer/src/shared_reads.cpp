// Rule unprotected-read: a read of shared data with no lock held, in code that
// can run concurrently, when the same data is written with a lock held
// elsewhere by code that can run at the same time: the writers show the data
// needs the lock, and this read can see a torn or stale value. It looks at the
// same accesses as unprotected-write (shared_accesses.hpp: owned data,
// constructor/destructor contexts and unshared instances are no accesses), and
// "held" means the same: on some path into the read or at every call site.
// One report per read site, citing the first locked write that can run
// concurrently with it.
#include <fmt/format.h>

#include "rules.hpp"
#include "shared_accesses.hpp"

namespace concheck::analyzer::detail {

void check_unprotected_reads(const program& p, const analysis_options&, rule_output& out) {
  auto by_var = collect_shared_accesses(p, false);
  for (const auto& [key, accesses] : by_var) {
    const var_info& v = p.vars.at(key);
    std::vector<const located_access*> locked_writes;
    for (const auto& a : accesses) {
      if (a.access->write && !a.held.empty()) locked_writes.push_back(&a);
    }
    if (locked_writes.empty()) continue;
    for (const auto& r : accesses) {
      if (r.access->write || !r.held.empty() || r.roots.empty()) continue;
      const located_access* writer = nullptr;
      for (const auto* w : locked_writes) {
        if (p.concurrent(r.roots, w->roots)) {
          writer = w;
          break;
        }
      }
      if (writer == nullptr) continue;
      const lock_name& lock = writer->held.front();
      out.add(r.access->where,
              fmt::format("read of '{}' without holding a lock; it is written with '{}' held elsewhere",
                          v.display, lock.display),
              {note{writer->access->where, fmt::format("'{}' is written here with '{}' held, in '{}'",
                                                       v.display, lock.display, writer->function->display)}});
    }
  }
}

}  // namespace concheck::analyzer::detail
