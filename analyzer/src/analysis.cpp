// analyze() and rules(): run the enabled rules over the merged facts.
#include "analysis.hpp"

#include <algorithm>

#include "facts.hpp"
#include "rules.hpp"
#include "summary.hpp"

namespace concheck::analyzer {

const std::vector<rule_info>& rules() {
  static const std::vector<rule_info> table = {
      {"unprotected-write", "Write to shared data without the lock that protects it elsewhere",
       "A variable that other threads can reach is written with no lock held, while the same data is "
       "accessed with a "
       "lock held elsewhere, is declared GUARDED_BY a lock, or is accessed by code running at the same time. "
       "Take the "
       "lock named in the note around the write, make the data std::atomic, or confine it to one thread.",
       true},
      {"lock-order-inversion", "Two locks acquired in opposite orders on two paths (potential deadlock)",
       "One path acquires B while holding A and another acquires A while holding B (possibly through calls "
       "or in "
       "other files): two threads taking the paths at once can deadlock. Acquire the locks in one global "
       "order, or "
       "together with std::scoped_lock.",
       true},
      {"cv-wait-no-loop", "Condition variable wait without a predicate and outside a loop",
       "wait() can return spuriously, and another thread can consume the condition first. Use wait(lock, "
       "predicate) "
       "or re-check the condition in a while loop around wait().",
       true},
      {"thread-not-joined", "std::thread that can be destroyed while joinable",
       "A std::thread started in a function is never joined, detached or moved out: its destructor calls "
       "std::terminate. Join it on every path or use std::jthread.",
       true},
      {"blocking-under-lock", "Blocking call (sleep, join, I/O) while holding a lock",
       "Every thread that needs the lock waits for the blocking call too, and a join under a lock the joined "
       "thread "
       "needs deadlocks. Release the lock before blocking. Off by default: short deliberate sleeps under a "
       "lock are "
       "common in tests.",
       false},
  };
  return table;
}

namespace {
bool enabled(const analysis_options& options, const std::string& rule) {
  if (!options.enabled_rules.empty()) return options.enabled_rules.count(rule) != 0;
  for (const auto& r : rules()) {
    if (r.name == rule) return r.enabled_by_default;
  }
  return false;
}
}  // namespace

std::vector<diagnostic> analyze(const std::vector<tu_facts_ptr>& facts, const analysis_options& options) {
  detail::program p = detail::build_program(facts);
  std::vector<diagnostic> out;
  if (enabled(options, "unprotected-write"))
    detail::check_unprotected_writes(p, options.raw_unprotected_writes, out);
  if (enabled(options, "lock-order-inversion")) detail::check_lock_order(p, out);
  if (enabled(options, "cv-wait-no-loop")) detail::check_cv_wait_no_loop(p, out);
  if (enabled(options, "thread-not-joined")) detail::check_thread_not_joined(p, out);
  if (enabled(options, "blocking-under-lock")) detail::check_blocking_under_lock(p, out);
  std::stable_sort(out.begin(), out.end(), [](const diagnostic& a, const diagnostic& b) {
    if (a.where.file != b.where.file || a.where.line != b.where.line || a.where.column != b.where.column) {
      return location_less(a.where, b.where);
    }
    return a.rule < b.rule;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const diagnostic& a, const diagnostic& b) {
                          return a.rule == b.rule && a.where.file == b.where.file &&
                                 a.where.line == b.where.line && a.where.column == b.where.column &&
                                 a.message == b.message;
                        }),
            out.end());
  return out;
}

}  // namespace concheck::analyzer
