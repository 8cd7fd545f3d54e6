// concheck explore mode: the driver behind concheck::explore()
// (runtime/include/concheck/explore.hpp): picks each schedule's strategy,
// runs the schedules, builds the failure's report and token, and replays
// the failure once to check that it reproduces.
#include "concheck/explore.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>

#include "concheck/detector/render.hpp"
#include "explore_scheduler.hpp"
#include "explore_strategies.hpp"
#include "options.hpp"
#include "race/explore_access.hpp"

namespace concheck {
namespace {

using detail::explore::make_strategy;
using detail::explore::schedule_outcome;
using detail::explore::strategy_kind;
using detail::explore::strategy_params;

void run_body(void* context) {
  (*static_cast<const std::function<void()>*>(context))();
}

const char* strategy_name(strategy_kind kind) {
  switch (kind) {
    case strategy_kind::random:
      return "random";
    case strategy_kind::pct:
      return "pct";
    case strategy_kind::dfs:
      return "bounded search";
    case strategy_kind::replay:
      return "replay";
  }
  return "?";
}

// A schedule's outcome with a failed `check` turned into a finding.
void apply_check(const explore_options& options, schedule_outcome& outcome) {
  if (outcome.failed || !options.check) return;
  std::string message = options.check();
  if (message.empty()) return;
  detector::finding f;
  f.kind = detector::finding_kind::assertion_failure;
  f.message = std::move(message);
  outcome.failed = true;
  outcome.finding = std::move(f);
}

schedule_outcome run_one(const explore_options& options, detail::explore::strategy& chooser,
                         const std::function<void()>& body) {
  detail::begin_explored_schedule();  // race detection: each schedule judged on its own
  schedule_outcome outcome =
      detail::explore::run_schedule(chooser, options.step_bound, options.max_steps, &run_body,
                                    const_cast<std::function<void()>*>(&body), options.stall_ms);
  apply_check(options, outcome);
  return outcome;
}

std::string describe_replay(const schedule_outcome& first, const schedule_outcome& again,
                            const detail::explore::strategy& replay, bool& reproduced) {
  const std::string divergence = detail::explore::replay_divergence(replay);
  const bool same_kind =
      again.failed && again.finding && first.finding && again.finding->kind == first.finding->kind;
  // A detector finding is reported once per lock-order edge in a process, so
  // its replay in the same process may not report it again: following every
  // decision is then what reproduces it.
  const bool once_per_process =
      first.finding && first.finding->kind == detector::finding_kind::lock_order_inversion;
  reproduced = divergence.empty() && (same_kind || (once_per_process && again.decisions == first.decisions));
  if (reproduced) return {};
  if (!divergence.empty()) {
    return fmt::format(
        "the replay diverged at {}: the test is not deterministic under concheck's schedule (uncontrolled "
        "randomness, time, or synchronization concheck does not see)",
        divergence);
  }
  if (!again.failed) return "the replay followed every decision but did not fail";
  return fmt::format("the replay failed differently ({})",
                     again.finding ? detector::to_string(again.finding->kind) : std::string_view("?"));
}

explore_failure make_failure(const schedule_outcome& outcome, const strategy_params& params,
                             std::uint64_t index, const std::string& token) {
  explore_failure failure;
  detector::finding finding = outcome.finding.value_or(detector::finding{});
  failure.kind = std::string(detector::to_string(finding.kind));
  failure.message = finding.message;
  failure.token = token;
  failure.schedule = index;
  const detector::text_options plain{false, false, 16};
  failure.report = detector::render_text(finding, plain);
  failure.report += fmt::format(
      "Schedule {} ({}, {} scheduling points, {} without progress) failed. Replay it with:\n  "
      "CONCHECK_REPLAY={}\n",
      index, strategy_name(params.kind), outcome.steps, outcome.spins, token);
  return failure;
}

// Keeps the calling thread on the CPU it runs on while it lives, and gives
// it its former CPUs back after. The threads of a schedule inherit it from
// the driver: one of them runs at a time, so on one CPU a hand-off is one
// futex wake and one switch on that CPU (a few microseconds), where on two
// the thread taking the turn spins or sleeps on the other, and on a machine
// that other work keeps busy a spinner costs the thread it waits for its
// core (hand-offs then took 40-60 microseconds, and the random strategy,
// which switches threads at most points, ran 5 times slower than on one CPU).
class one_cpu_scope {
 public:
  one_cpu_scope() noexcept {
    CPU_ZERO(&saved_);
    const int cpu = ::sched_getcpu();
    if (cpu < 0 || ::pthread_getaffinity_np(::pthread_self(), sizeof saved_, &saved_) != 0) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one) == 0;
  }
  ~one_cpu_scope() {
    if (pinned_) ::pthread_setaffinity_np(::pthread_self(), sizeof saved_, &saved_);
  }
  one_cpu_scope(const one_cpu_scope&) = delete;
  one_cpu_scope& operator=(const one_cpu_scope&) = delete;

 private:
  cpu_set_t saved_;
  bool pinned_ = false;
};

bool parse_u64(const std::string& text, std::uint64_t& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

std::string explore_options_from_environment(explore_options& options) {
  const detail::options& process = detail::get_options();
  if (process.explore_strategy == "automatic") options.strategy = explore_strategy::automatic;
  if (process.explore_strategy == "random") options.strategy = explore_strategy::random;
  if (process.explore_strategy == "pct") options.strategy = explore_strategy::pct;
  if (process.explore_strategy == "dfs") options.strategy = explore_strategy::dfs;
  if (process.explore_strategy == "delay") options.strategy = explore_strategy::delay;
  if (process.explore_schedules > 0)
    options.schedules = static_cast<std::uint64_t>(process.explore_schedules);
  if (!process.explore_seed.empty()) parse_u64(process.explore_seed, options.seed);
  if (process.explore_time_limit_ms > 0)
    options.time_limit = std::chrono::milliseconds(process.explore_time_limit_ms);
  if (process.explore_step_bound > 0)
    options.step_bound = static_cast<std::uint64_t>(process.explore_step_bound);
  if (process.explore_max_steps > 0)
    options.max_steps = static_cast<std::uint64_t>(process.explore_max_steps);
  if (process.explore_stall_ms > 0) options.stall_ms = static_cast<std::uint64_t>(process.explore_stall_ms);
  if (process.explore_pct_depth > 0) options.pct_depth = process.explore_pct_depth;
  if (process.explore_preemption_bound >= 0) options.preemption_bound = process.explore_preemption_bound;
  if (const char* token = std::getenv("CONCHECK_REPLAY"); token != nullptr && *token != '\0') {
    strategy_params ignored;
    std::string error;
    if (!detail::explore::parse_token(token, ignored, error)) return "CONCHECK_REPLAY: " + error;
    options.replay = token;
  }
  return {};
}

explore_result explore(const explore_options& options, const std::function<void()>& body) {
  explore_result result;
  if (!body) {
    result.error = "explore: the body is empty";
    return result;
  }
  if (options.pct_depth < 1 || options.pct_depth > 64) {
    result.error = fmt::format("explore: pct_depth must be in 1..64, got {}", options.pct_depth);
    return result;
  }
  if (options.preemption_bound < 0) {
    result.error = fmt::format("explore: preemption_bound must be >= 0, got {}", options.preemption_bound);
    return result;
  }
  if (options.step_bound == 0 || options.max_steps == 0 || options.stall_ms == 0) {
    result.error = "explore: step_bound, max_steps and stall_ms must be positive";
    return result;
  }
  if (detail::explore::controlled()) {
    result.error = "explore: called from inside an explored body";
    return result;
  }
  // One exploration at a time per process (the scheduler's state is global).
  static std::atomic<bool> running{false};
  if (running.exchange(true)) {
    result.error = "explore: another exploration is running in this process";
    return result;
  }
  struct release {
    ~release() { running.store(false); }
  } release_guard;
  if (options.shard_count == 0 || options.shard_index >= options.shard_count) {
    result.error =
        fmt::format("explore: shard {} of {} does not exist", options.shard_index, options.shard_count);
    return result;
  }

  const one_cpu_scope one_cpu;
  detail::explore::check_cpus();

  // A replay: one schedule, exactly as the token says.
  if (!options.replay.empty()) {
    strategy_params params;
    if (!detail::explore::parse_token(options.replay, params, result.error)) return result;
    auto chooser = make_strategy(params);
    detail::explore::install_crash_reporter();
    detail::explore::set_crash_token(options.replay.c_str());
    schedule_outcome outcome = run_one(options, *chooser, body);
    detail::explore::set_crash_token(nullptr);
    detail::explore::remove_crash_reporter();
    result.schedules = 1;
    if (outcome.failed) {
      result.failure = make_failure(outcome, params, params.index, options.replay);
      result.failure->reproduced = true;
      const std::string divergence = detail::explore::replay_divergence(*chooser);
      if (!divergence.empty()) {
        result.failure->reproduced = false;
        result.failure->divergence = "the replay diverged at " + divergence;
        result.failure->report += "Note: " + result.failure->divergence + "\n";
      }
    }
    return result;
  }

  struct crash_reporter {
    crash_reporter() { detail::explore::install_crash_reporter(); }
    ~crash_reporter() {
      detail::explore::set_crash_token(nullptr);
      detail::explore::remove_crash_reporter();
    }
  } crash_guard;
  std::string crash_token;
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t longest = 0;                          // steps of the longest schedule so far: pct's k
  std::unique_ptr<detail::explore::strategy> search;  // dfs: one object across its schedules
  const bool searching =
      options.strategy == explore_strategy::dfs || options.strategy == explore_strategy::delay;
  std::uint64_t dfs_budget = searching ? options.schedules
                             : options.strategy == explore_strategy::automatic
                                 ? std::max<std::uint64_t>(1, options.schedules / 4)
                                 : 0;
  if (options.shard_index != 0) dfs_budget = 0;  // the search runs in shard 0
  bool search_done = dfs_budget == 0;
  std::uint64_t sampled = 0;  // random and pct schedules considered (before sharding)
  for (std::uint64_t i = 0; i < options.schedules; ++i) {
    if (options.time_limit.count() > 0 && std::chrono::steady_clock::now() - start >= options.time_limit)
      break;
    strategy_params params;
    params.seed = options.seed;
    params.index = i;
    params.pct_depth = options.pct_depth;
    params.pct_steps = std::max<std::uint64_t>(longest, 10);
    // automatic: a first search with one preemption (most bugs need few).
    params.preemption_bound = options.strategy == explore_strategy::automatic
                                  ? std::min(1, options.preemption_bound)
                                  : options.preemption_bound;
    std::unique_ptr<detail::explore::strategy> single;
    detail::explore::strategy* chooser = nullptr;
    if (!search_done) {
      params.kind = strategy_kind::dfs;
      params.count_delays = options.strategy == explore_strategy::delay;
      if (!search) search = make_strategy(params);
      chooser = search.get();
    } else if (searching) {
      break;  // the search is over (exhausted)
    } else {
      // Schedule indices of random and pct are shared out among the shards.
      params.index = sampled++;
      if (params.index % options.shard_count != options.shard_index) continue;
      const bool use_pct = options.strategy == explore_strategy::pct ||
                           (options.strategy == explore_strategy::automatic && params.index % 2 == 0);
      params.kind = use_pct ? strategy_kind::pct : strategy_kind::random;
      single = make_strategy(params);
      chooser = single.get();
    }
    // A crash names the schedule: random and pct by their parameters, a
    // search by its decisions so far (written by the crash handler).
    if (params.kind == strategy_kind::dfs) {
      detail::explore::set_crash_token(nullptr);
    } else {
      crash_token = detail::explore::make_token(params, {});
      detail::explore::set_crash_token(crash_token.c_str());
    }
    schedule_outcome outcome = run_one(options, *chooser, body);
    ++result.schedules;
    longest = std::max(longest, outcome.steps);
    if (params.kind == strategy_kind::dfs && !search->end_schedule()) {
      search_done = true;
      result.exhausted = true;
    }
    if (params.kind == strategy_kind::dfs && i + 1 >= dfs_budget) search_done = true;
    if (!outcome.failed) {
      if (search_done && searching) break;
      continue;
    }
    const std::string token = detail::explore::make_token(params, outcome.decisions);
    explore_failure failure = make_failure(outcome, params, i, token);
    if (options.replay_failure) {
      strategy_params replay;
      replay.kind = strategy_kind::replay;
      replay.decisions = outcome.decisions;
      auto follower = make_strategy(replay);
      const schedule_outcome again = run_one(options, *follower, body);
      failure.divergence = describe_replay(outcome, again, *follower, failure.reproduced);
      failure.report += failure.reproduced ? "The replay failed the same way.\n"
                                           : "Note: not reproduced: " + failure.divergence + "\n";
    }
    result.failure = std::move(failure);
    break;
  }
  return result;
}

}  // namespace concheck
