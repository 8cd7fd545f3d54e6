// The rules drawn from the classic lessons, beyond the two core ones:
// thread-not-joined, blocking-under-lock (cv-wait-no-loop: cv_wait_rule.cpp).
#include <fmt/format.h>

#include "rules.hpp"

namespace concheck::analyzer::detail {

void check_thread_not_joined(const program& p, const analysis_options&, rule_output& out) {
  for (const auto& [id, f] : p.functions) {
    for (const auto& t : f->unjoined_threads) {
      out.add(t.where,
              fmt::format(
                  "std::thread '{}' is never joined, detached or moved in '{}': destroying it while joinable "
                  "calls std::terminate (use std::jthread or join it)",
                  t.name, f->display));
    }
  }
}

void check_blocking_under_lock(const program& p, const analysis_options&, rule_output& out) {
  for (const auto& [id, f] : p.functions) {
    const auto& req = p.required_must.at(id);
    for (const auto& b : f->blocking) {
      auto held = lock_union(b.held.must, req);
      if (held.empty()) continue;
      out.add(b.where,
              fmt::format("blocking call '{}' while holding {}: every thread waiting for the lock waits "
                          "for it too",
                          b.what, quoted_list(held)));
    }
  }
}

}  // namespace concheck::analyzer::detail
