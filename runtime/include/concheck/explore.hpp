// concheck explore mode: run a test body under many interleavings, one
// thread at a time, and replay any failure exactly.
//
//   concheck::explore_options options;            // defaults: automatic strategy, 1000 schedules
//   auto result = concheck::explore(options, [] {
//     concheck::mutex m; int balance = 100;
//     std::thread a([&] { withdraw(m, balance, 80); }), b([&] { withdraw(m, balance, 80); });
//     a.join(); b.join();
//     if (balance < 0) throw std::logic_error("overdrawn");
//   });
//   if (result.failure) std::cerr << result.failure->report;   // ends with the replay token
//
// Contract (docs/explore.md):
// - Each schedule runs `body` once in a fresh thread; the threads it creates
//   (std::thread, std::jthread, pthread_create, concheck::thread) are real
//   threads that concheck runs one at a time, switching only at scheduling
//   points: lock, try-lock, timed lock and unlock of every mutex and rwlock
//   (std:: and concheck:: alike), condition-variable waits and notifies,
//   semaphore waits and posts, thread create and join and exit, yields and
//   sleeps. Waits, sleeps and timeouts run on a virtual clock (nothing
//   really waits; whether a timed wait times out is the scheduler's choice),
//   and clock_gettime (so std::chrono's steady and system clocks) reads it.
// - A schedule fails on: a deadlock (no thread can run while some are
//   blocked), any finding of the detector (a lock-order inversion seen in
//   any schedule, misuse), an exception escaping the body, more than
//   `step_bound` scheduling points without progress (yields, failed
//   try-locks, timeouts, an atomic polled again by a thread running alone:
//   a livelock), more than `max_steps` scheduling points in all, or a
//   thread that reaches none for `stall_ms` of its CPU time, or of real
//   time asleep (a pipe, a socket; not time the machine did not run it)
//   (step-bound-exceeded), or a failed `check`. The first
//   failure ends the exploration; it is replayed once (report says whether
//   it reproduced, and if not where the replay diverged).
// - Every failure has a one-line replay token; explore_options::replay (or
//   the environment variable CONCHECK_REPLAY) runs exactly that schedule.
// - The threads of a failed schedule that cannot finish (deadlocked, or
//   abandoned) stay parked for the rest of the process: their stacks and
//   the objects they use stay valid. A crash (abort, a fatal signal) in a
//   schedule ends the process, as it would without concheck.
// - One exploration at a time per process; explore() is not reentrant and
//   must not be called from inside a body.
// Requires the concheck runtime (linked or preloaded).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace concheck {

enum class explore_strategy {
  automatic,  // bounded search (1 preemption) for a quarter of the budget, then PCT and random in turn
  random,     // a uniform random choice at every scheduling point
  pct,        // probabilistic concurrency testing with depth pct_depth
  dfs,        // every interleaving with at most preemption_bound preemptions
  delay,      // every interleaving with at most preemption_bound delays (iterative delay bounding)
};

struct explore_options {
  explore_strategy strategy = explore_strategy::automatic;
  std::uint64_t schedules = 1000;           // at most this many schedules
  std::uint64_t seed = 1;                   // random and pct
  std::chrono::milliseconds time_limit{0};  // stop after this long (0: no limit)
  std::uint64_t step_bound = 100000;        // scheduling points without progress per schedule
  std::uint64_t max_steps = 100000000;      // scheduling points in all per schedule
  std::uint64_t stall_ms = 5000;            // CPU (or asleep) time a thread may go without a scheduling point
  int pct_depth = 3;
  int preemption_bound = 2;  // dfs (preemptions) and delay (delays)
  std::string replay;        // a replay token: run only that schedule
  // Run only the schedules i with i % shard_count == shard_index (random and
  // pct; the bounded search runs in shard 0): shards split the space with no
  // overlap (CONCHECK_TEST follows GoogleTest's GTEST_TOTAL_SHARDS).
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  bool replay_failure = true;  // replay a failure once to check it reproduces
  // Called after every schedule that did not fail otherwise; a non-empty
  // result fails the schedule (kind assertion-failure) with that message.
  std::function<std::string()> check;
};

struct explore_failure {
  std::string kind;            // the finding kind ("deadlock", "lock-order-inversion", ...)
  std::string message;         // its one-line message
  std::string report;          // the full text report, ending with the replay token
  std::string token;           // the replay token
  std::uint64_t schedule = 0;  // 0-based index of the failing schedule
  bool reproduced = false;     // the automatic replay failed the same way
  std::string divergence;      // when not reproduced: why, and where it diverged
};

struct explore_result {
  std::uint64_t schedules = 0;  // schedules run (the replay not counted)
  bool exhausted = false;       // dfs: every schedule within the bound was run
  std::optional<explore_failure> failure;
  std::string error;  // bad options or token: nothing ran
  bool ok() const noexcept { return error.empty() && !failure; }
};

// Runs `body` under up to options.schedules interleavings.
explore_result explore(const explore_options& options, const std::function<void()>& body);

// Applies `key=value` pairs separated by ':' (the explore keys of
// CONCHECK_OPTIONS: explore_strategy, explore_schedules, explore_seed,
// explore_time_limit_ms, explore_step_bound, explore_max_steps, explore_stall_ms,
// explore_pct_depth, explore_preemption_bound) to `options`. Returns "" or an error naming the
// key; unknown keys are ignored (they belong to the rest of CONCHECK_OPTIONS).
std::string apply_explore_options(std::string_view text, explore_options& options);

// `options` with the environment applied: CONCHECK_OPTIONS's explore keys
// and CONCHECK_REPLAY. Returns "" or an error naming the variable and key.
std::string explore_options_from_environment(explore_options& options);

}  // namespace concheck
