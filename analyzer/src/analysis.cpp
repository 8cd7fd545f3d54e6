// analyze() and rules(): the rule registry, and running the enabled rules over
// the merged facts.
#include "analysis.hpp"

#include <algorithm>
#include <stdexcept>

#include "facts.hpp"
#include "rules.hpp"
#include "summary.hpp"

namespace concheck::analyzer {
namespace {

using rule_check = void (*)(const detail::program&, const analysis_options&, detail::rule_output&);

struct registered_rule {
  rule_info info;
  rule_check check;
};

// Every rule, registered once: the name (what --checks, NOLINT and the output
// say), the descriptions (--list-checks, SARIF, docs/analyzer-checks.md), the
// default, and the code that runs it, together, as clang-tidy's
// registerCheck<X>("name") ties a name to its check. The order is that of
// --list-checks and of the SARIF rule list.
const std::vector<registered_rule>& registry() {
  static const std::vector<registered_rule> table = {
      {{.name = "unprotected-write",
        .short_description = "Write to shared data without the lock that protects it elsewhere",
        .help = "A variable that other threads can reach is written with no lock held, while the same data "
                "is accessed with a lock held elsewhere, is declared GUARDED_BY a lock, or is accessed by "
                "code running at the same time. Take the lock named in the note around the write, make the "
                "data std::atomic, or confine it to one thread.",
        .enabled_by_default = true},
       detail::check_unprotected_writes},
      {{.name = "lock-order-inversion",
        .short_description = "Two locks acquired in opposite orders on two paths (potential deadlock)",
        .help = "One path acquires B while holding A and another acquires A while holding B (possibly "
                "through calls or in other files): two threads taking the paths at once can deadlock. "
                "Acquire the locks in one global order, or together with std::scoped_lock.",
        .enabled_by_default = true},
       detail::check_lock_order},
      {{.name = "self-deadlock",
        .short_description = "A non-recursive lock acquired again by the thread that holds it",
        .help = "A path takes a lock it already holds (directly, or in a function it calls, possibly in "
                "another file): with a non-recursive mutex the thread waits for itself forever. Use a "
                "recursive mutex only if re-entry is intended; otherwise split out a helper that expects "
                "the lock held and call it from inside the locked region.",
        .enabled_by_default = true},
       detail::check_self_deadlock},
      {{.name = "cv-wait-no-loop",
        .short_description = "Condition variable wait without a predicate and outside a loop",
        .help = "wait() can return spuriously, and another thread can consume the condition first. Use "
                "wait(lock, predicate) or re-check the condition in a while loop around wait().",
        .enabled_by_default = true},
       detail::check_cv_wait_no_loop},
      {{.name = "thread-not-joined",
        .short_description = "std::thread that can be destroyed while joinable",
        .help = "A std::thread started in a function is never joined, detached or moved out: its destructor "
                "calls std::terminate. Join it on every path or use std::jthread.",
        .enabled_by_default = true},
       detail::check_thread_not_joined},
      {{.name = "blocking-under-lock",
        .short_description = "Blocking call (sleep, join, I/O) while holding a lock",
        .help = "Every thread that needs the lock waits for the blocking call too, and a join under a lock "
                "the joined thread needs deadlocks. Release the lock before blocking. Off by default: short "
                "deliberate sleeps under a lock are common in tests.",
        .enabled_by_default = false},
       detail::check_blocking_under_lock},
      {{.name = "unprotected-read",
        .short_description = "Read of shared data without the lock its writers hold",
        .help = "A variable that other threads can reach is read with no lock held, while code that can run "
                "at the same time writes it with a lock held: the read can see a torn or stale value. Take "
                "the lock named in the note around the read, or make the data std::atomic. Off by default "
                "(see docs/analyzer-checks.md for its measured noise).",
        .enabled_by_default = false},
       detail::check_unprotected_reads},
  };
  return table;
}

bool enabled(const analysis_options& options, const rule_info& rule) {
  if (!options.enabled_rules.empty()) return options.enabled_rules.count(rule.name) != 0;
  return rule.enabled_by_default;
}

}  // namespace

const std::vector<rule_info>& rules() {
  static const std::vector<rule_info> infos = [] {
    std::vector<rule_info> out;
    for (const auto& r : registry()) out.push_back(r.info);
    return out;
  }();
  return infos;
}

std::vector<diagnostic> analyze(const std::vector<tu_facts_ptr>& facts, const analysis_options& options) {
  // A misspelt rule would otherwise silently run nothing.
  for (const auto& wanted : options.enabled_rules) {
    const auto& known = registry();
    if (std::none_of(known.begin(), known.end(),
                     [&](const registered_rule& r) { return r.info.name == wanted; }))
      throw std::invalid_argument("unknown rule '" + wanted + "' in analysis_options::enabled_rules");
  }
  detail::program p = detail::build_program(facts);
  std::vector<diagnostic> out;
  for (const auto& r : registry()) {
    if (!enabled(options, r.info)) continue;
    detail::rule_output sink(r.info.name, out);
    r.check(p, options, sink);
  }
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
