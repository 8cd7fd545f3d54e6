// The rules drawn from the classic lessons, beyond the two core ones:
// cv-wait-no-loop, thread-not-joined, blocking-under-lock.
#include <fmt/format.h>

#include "rules.hpp"

namespace concheck::analyzer::detail {

void check_cv_wait_no_loop(const program& p, const analysis_options&, rule_output& out) {
  for (const auto& [id, f] : p.functions) {
    // A function named wait* that waits once is a condition-variable wrapper
    // (its callers loop or pass a predicate): its callers are what to check.
    const std::string& named = f->is_lambda ? f->enclosing : f->display;
    std::string name = named.substr(named.rfind(':') == std::string::npos ? 0 : named.rfind(':') + 1);
    if (name.rfind("wait", 0) == 0) continue;
    for (const auto& w : f->cv_waits) {
      if (w.has_predicate || w.in_loop) continue;
      out.add(w.where,
              "condition variable wait without a predicate and outside a loop: a spurious or stolen wakeup "
              "continues with the condition false; use wait(lock, predicate) or re-check in a while loop");
    }
  }
}

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
