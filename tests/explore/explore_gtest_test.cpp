// CONCHECK_TEST end to end: a child test program with a buggy and a fixed
// explored test (explore_gtest_child.cpp): the buggy one fails with the
// report and a replay command that, run as printed, fails the same schedule
// again; the fixed one passes every schedule; CONCHECK_OPTIONS and a bad
// CONCHECK_REPLAY are honoured.
#include <gtest/gtest.h>

#include <regex>

#include "child_process.hpp"

namespace {

using concheck::test::child_options;
using concheck::test::run_child;

concheck::test::child_result run_tests(const std::string& filter, std::vector<std::string> env = {}) {
  child_options options;
  options.env = std::move(env);
  options.merge_stderr = true;
  options.unset = {"CONCHECK_REPLAY", "CONCHECK_OPTIONS", "GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX"};
  return run_child({CONCHECK_EXPLORE_GTEST_CHILD, "--gtest_filter=" + filter}, options);
}

TEST(ExploreGtest, FailingScheduleFailsTheTestWithItsReplayCommand) {
  const auto run = run_tests("Bank.SplitWithdrawalsOverdraw");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("concheck explore: schedule"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(assertion-failure)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("The replay failed the same way."), std::string::npos) << run.out;
  std::smatch command;
  const std::regex replay(
      "CONCHECK_REPLAY=(cc5-[^ ]+) (\\S+) --gtest_filter=Bank\\.SplitWithdrawalsOverdraw");
  ASSERT_TRUE(std::regex_search(run.out, command, replay)) << run.out;
  EXPECT_EQ(command[2].str(), CONCHECK_EXPLORE_GTEST_CHILD);

  // The command as printed runs that one schedule, which fails again.
  const auto again = run_tests("Bank.SplitWithdrawalsOverdraw", {"CONCHECK_REPLAY=" + command[1].str()});
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find("concheck explore: schedule"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("CONCHECK_REPLAY=" + command[1].str()), std::string::npos) << again.out;
}

TEST(ExploreGtest, CorrectBodyPassesAndOptionsComeFromTheEnvironment) {
  const auto run = run_tests("Bank.AtomicWithdrawalsNeverOverdraw");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  // A bounded search that cannot reach the bug with no preemption.
  const auto bounded = run_tests("Bank.SplitWithdrawalsOverdraw",
                                 {"CONCHECK_OPTIONS=explore_strategy=dfs:explore_preemption_bound=0"});
  EXPECT_EQ(bounded.exit_code, 0) << bounded.out;
}

// GTEST_TOTAL_SHARDS=3: each explored test becomes 3 tests, one per shard,
// each running its third of the schedules.
TEST(ExploreGtest, GoogleTestShardingSpreadsTheSchedules) {
  child_options options;
  options.env = {"GTEST_TOTAL_SHARDS=3", "GTEST_SHARD_INDEX=0"};
  options.unset = {"CONCHECK_REPLAY", "CONCHECK_OPTIONS"};
  const auto listed = run_child({CONCHECK_EXPLORE_GTEST_CHILD, "--gtest_list_tests"}, options);
  for (const char* name : {"AtomicWithdrawalsNeverOverdraw/0", "AtomicWithdrawalsNeverOverdraw/1",
                           "AtomicWithdrawalsNeverOverdraw/2"})
    EXPECT_NE(listed.out.find(name), std::string::npos) << listed.out;
  for (const char* shard : {"0", "1", "2"}) {
    const auto run = run_tests("Bank.AtomicWithdrawalsNeverOverdraw*",
                               {"GTEST_TOTAL_SHARDS=3", std::string("GTEST_SHARD_INDEX=") + shard});
    EXPECT_EQ(run.exit_code, 0) << run.out;
    EXPECT_NE(run.out.find(std::string("[       OK ] Bank.AtomicWithdrawalsNeverOverdraw/") + shard),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("1 test from"), std::string::npos) << "one share per shard\n" << run.out;
  }
}

TEST(ExploreGtest, MalformedReplayTokenFailsTheTestNamingIt) {
  const auto run = run_tests("Bank.AtomicWithdrawalsNeverOverdraw", {"CONCHECK_REPLAY=cc5-random-s1"});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("CONCHECK_REPLAY: malformed replay token 'cc5-random-s1'"), std::string::npos)
      << run.out;
  const auto bad_option =
      run_tests("Bank.AtomicWithdrawalsNeverOverdraw", {"CONCHECK_OPTIONS=explore_strategy=clever"});
  EXPECT_EQ(bad_option.exit_code, 2) << bad_option.out;
  EXPECT_NE(bad_option.out.find(
                "option 'explore_strategy' expects automatic, random, pct, dfs or delay, got 'clever'"),
            std::string::npos)
      << bad_option.out;
}

}  // namespace
