// End-to-end tests of the explore-mode samples (samples/explore): each
// program runs as a child process with no explore options in its
// environment, so it explores with the default strategy and budget. A buggy
// one must fail with its lesson's kind within 1,000 schedules, and the replay
// token it prints, given back through CONCHECK_REPLAY, must make it fail the
// same way in exactly one schedule; a fixed one must pass every schedule.
// worker_exception_buggy dies by SIGABRT (an exception escaping a thread
// calls std::terminate) after concheck names the thread and the token.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <string>

#include "child_process.hpp"

namespace {

using concheck::test::child_result;

constexpr unsigned long kBudget = 1000;  // explore_options' default number of schedules

child_result run_explore_sample(const std::string& name, const std::string& replay = "") {
  concheck::test::child_options options;
  options.unset = {"CONCHECK_OPTIONS", "CONCHECK_REPLAY"};
  if (!replay.empty()) {
    options.unset = {"CONCHECK_OPTIONS"};
    options.env = {"CONCHECK_REPLAY=" + replay};
  }
  return concheck::test::run_child({std::string(CONCHECK_EXPLORE_SAMPLES_DIR) + "/" + name}, options);
}

std::string describe(const child_result& run) {
  return "exit " + std::to_string(run.exit_code) + ", signal " + std::to_string(run.signal) +
         (run.timed_out ? " (timed out)" : "") + "\nstdout:\n" + run.out + "\nstderr:\n" + run.err;
}

struct verdict {
  std::string kind;  // empty when the line is not "found <kind> after N schedules"
  unsigned long schedules = 0;
  std::string token;  // from the report's "CONCHECK_REPLAY=<token>" line
};

verdict read_verdict(const std::string& name, const std::string& out) {
  verdict v;
  std::smatch match;
  const std::regex found("^" + name + ": found ([a-z-]+) after ([0-9]+) schedules?\n");
  if (std::regex_search(out, match, found)) {
    v.kind = match[1];
    v.schedules = std::stoul(match[2]);
  }
  const std::regex token("CONCHECK_REPLAY=(cc5-[^ \n]+)");
  if (std::regex_search(out, match, token)) v.token = match[1];
  return v;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The buggy program fails with `kind` and `message` within the budget, the
// failure reproduces on the automatic replay, and its token replays it alone.
void expect_found_and_replayed(const std::string& name, const std::string& kind, const std::string& message) {
  const child_result run = run_explore_sample(name);
  EXPECT_EQ(run.exit_code, 1) << describe(run);
  const verdict first = read_verdict(name, run.out);
  ASSERT_EQ(first.kind, kind) << describe(run);
  EXPECT_GE(first.schedules, 1u);
  EXPECT_LE(first.schedules, kBudget) << describe(run);
  EXPECT_TRUE(contains(run.out, message)) << describe(run);
  EXPECT_TRUE(contains(run.out, "The replay failed the same way.")) << describe(run);
  ASSERT_FALSE(first.token.empty()) << describe(run);

  const child_result again = run_explore_sample(name, first.token);
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  const verdict replayed = read_verdict(name, again.out);
  EXPECT_EQ(replayed.kind, kind) << describe(again);
  EXPECT_EQ(replayed.schedules, 1u) << describe(again);
  EXPECT_EQ(replayed.token, first.token) << describe(again);
  EXPECT_TRUE(contains(again.out, message)) << describe(again);
}

void expect_all_pass(const std::string& name) {
  const child_result run = run_explore_sample(name);
  EXPECT_EQ(run.exit_code, 0) << describe(run);
  EXPECT_TRUE(contains(run.out, name + ": all " + std::to_string(kBudget) + " schedules passed\n"))
      << describe(run);
}

TEST(ExploreSamples, BankWithdrawBuggyOverdrawsInSomeSchedule) {
  expect_found_and_replayed("bank_withdraw_buggy", "uncaught-exception", "overdrawn: balance -60");
}
TEST(ExploreSamples, BankWithdrawFixedPassesEverySchedule) {
  expect_all_pass("bank_withdraw_fixed");
}

TEST(ExploreSamples, ProducerConsumerBuggyWakesAConsumerToAnEmptyQueue) {
  expect_found_and_replayed("producer_consumer_buggy", "uncaught-exception",
                            "a consumer woke to an empty queue");
}
TEST(ExploreSamples, ProducerConsumerFixedPassesEverySchedule) {
  expect_all_pass("producer_consumer_fixed");
}

TEST(ExploreSamples, SemaphoreBuggyAdmitsTooManyWorkers) {
  expect_found_and_replayed("semaphore_buggy", "uncaught-exception", "more than 2 workers inside at once");
}
TEST(ExploreSamples, SemaphoreFixedPassesEverySchedule) {
  expect_all_pass("semaphore_fixed");
}

TEST(ExploreSamples, EventBuggyLosesTheWakeup) {
  expect_found_and_replayed("event_buggy", "deadlock", "waits for condition variable 'start'");
}
TEST(ExploreSamples, EventFixedPassesEverySchedule) {
  expect_all_pass("event_fixed");
}

TEST(ExploreSamples, BarrierBuggyDeadlocksWhenAFastThreadLapsASlowOne) {
  expect_found_and_replayed("barrier_buggy", "deadlock", "waits for condition variable 'phase'");
}
TEST(ExploreSamples, BarrierFixedPassesEverySchedule) {
  expect_all_pass("barrier_fixed");
}

TEST(ExploreSamples, ThreadPoolBuggyLosesAResultWhenAWaitTimesOut) {
  expect_found_and_replayed("thread_pool_buggy", "uncaught-exception", ", not 5");
}
// Honest only if timeouts really fired: the collector's wait timed out in
// some schedules, and none lost a result.
TEST(ExploreSamples, ThreadPoolFixedPassesEveryScheduleIncludingTimeouts) {
  expect_all_pass("thread_pool_fixed");
  const child_result run = run_explore_sample("thread_pool_fixed");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(run.out, match, std::regex("timed out in ([0-9]+) of them")))
      << describe(run);
  EXPECT_GT(std::stoul(match[1]), 0u) << describe(run);
}

TEST(ExploreSamples, WorkerExceptionBuggyAbortsAfterNamingTheScheduleAndReplaysTheCrash) {
  const child_result run = run_explore_sample("worker_exception_buggy");
  EXPECT_EQ(run.signal, SIGABRT) << describe(run);
  EXPECT_TRUE(contains(run.err, "terminate called after throwing an instance of 'std::invalid_argument'"))
      << describe(run);
  EXPECT_TRUE(contains(run.err, "died with signal 6 (ABRT) in this schedule")) << describe(run);
  const verdict first = read_verdict("worker_exception_buggy", run.err);
  ASSERT_FALSE(first.token.empty()) << describe(run);

  const child_result again = run_explore_sample("worker_exception_buggy", first.token);
  EXPECT_EQ(again.signal, SIGABRT) << describe(again);
  EXPECT_TRUE(contains(again.err, "died with signal 6 (ABRT) in this schedule")) << describe(again);
  EXPECT_EQ(read_verdict("worker_exception_buggy", again.err).token, first.token) << describe(again);
}
TEST(ExploreSamples, WorkerExceptionFixedHandsTheExceptionToTheJoiner) {
  expect_all_pass("worker_exception_fixed");
}

TEST(ExploreSamples, AMalformedReplayTokenIsAnErrorAndNothingRuns) {
  const child_result run = run_explore_sample("bank_withdraw_buggy", "cc5-not-a-token");
  EXPECT_EQ(run.exit_code, 2) << describe(run);
  EXPECT_TRUE(run.out.empty()) << describe(run);
  EXPECT_TRUE(contains(run.err, "bank_withdraw_buggy: ")) << describe(run);
  EXPECT_TRUE(contains(run.err, "cc5-not-a-token")) << describe(run);
}

TEST(ExploreSamples, ABadExploreOptionIsAnErrorAndNothingRuns) {
  concheck::test::child_options options;
  options.env = {"CONCHECK_OPTIONS=explore_schedules=many"};
  options.unset = {"CONCHECK_REPLAY"};
  const child_result run = concheck::test::run_child(
      {std::string(CONCHECK_EXPLORE_SAMPLES_DIR) + "/bank_withdraw_fixed"}, options);
  EXPECT_EQ(run.exit_code, 2) << describe(run);
  EXPECT_TRUE(run.out.empty()) << describe(run);
  EXPECT_TRUE(contains(run.err, "explore_schedules")) << describe(run);
}

}  // namespace
