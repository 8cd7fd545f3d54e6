// End-to-end tests of the samples: each sample program runs as a child
// process with CONCHECK_OPTIONS=format=json; a buggy one must produce exactly
// its lesson's finding (kind, lock names, exit code 66 for a real deadlock)
// and a fixed one must be clean and exit 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace {

using nlohmann::json;

struct sample_run {
  concheck::test::child_result child;
  std::vector<json> findings;
};

sample_run run_sample(const std::string& name) {
  sample_run run;
  run.child = concheck::test::run_child({std::string(CONCHECK_SAMPLES_DIR) + "/" + name},
                                        concheck::test::with_env({"CONCHECK_OPTIONS=format=json"}));
  for (const std::string& line : concheck::test::json_lines(run.child.err)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded() && parsed.contains("kind")) run.findings.push_back(std::move(parsed));
  }
  return run;
}

std::string describe(const sample_run& run) {
  return "exit " + std::to_string(run.child.exit_code) + ", signal " + std::to_string(run.child.signal) +
         (run.child.timed_out ? " (timed out)" : "") + "\nstdout:\n" + run.child.out + "\nstderr:\n" +
         run.child.err;
}

std::vector<std::string> kinds(const sample_run& run) {
  std::vector<std::string> out;
  for (const json& finding : run.findings) out.push_back(finding.at("kind").get<std::string>());
  return out;
}

std::set<std::string> lock_names(const json& finding) {
  std::set<std::string> names;
  for (const json& lock : finding.at("locks")) names.insert(lock.at("name").get<std::string>());
  return names;
}

// The lock names around the cycle of a lock-order finding, in cycle order.
std::vector<std::string> cycle_names(const json& finding) {
  std::vector<std::string> names;
  for (const json& edge : finding.at("cycle")) {
    for (const json& lock : finding.at("locks")) {
      if (lock.at("id") == edge.at("from")) names.push_back(lock.at("name").get<std::string>());
    }
  }
  return names;
}

const json* find_kind(const sample_run& run, const std::string& kind) {
  for (const json& finding : run.findings) {
    if (finding.at("kind") == kind) return &finding;
  }
  return nullptr;
}

void expect_clean(const std::string& name) {
  const sample_run run = run_sample(name);
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);
  EXPECT_TRUE(run.findings.empty()) << describe(run);
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// The names and creation sites the primitives hand to concheck reach the
// report: every lock is a named concheck::mutex created in the sample, every
// thread a concheck::thread named and created there.
void expect_user_names(const std::string& name, const json& finding, const std::set<std::string>& threads) {
  const std::string file = name + ".cpp";
  for (const json& lock : finding.at("locks")) {
    EXPECT_EQ(lock.at("type"), "concheck::mutex") << lock.dump(2);
    EXPECT_TRUE(ends_with(lock.at("created").at("file").get<std::string>(), file)) << lock.dump(2);
  }
  std::set<std::string> names;
  for (const json& thread : finding.at("threads")) {
    names.insert(thread.at("name").get<std::string>());
    EXPECT_TRUE(ends_with(thread.at("created").at("file").get<std::string>(), file)) << thread.dump(2);
  }
  EXPECT_EQ(names, threads) << finding.dump(2);
  EXPECT_TRUE(ends_with(finding.at("sites").at(0).at("file").get<std::string>(), file)) << finding.dump(2);
}

// One potential deadlock, nothing else, and the program still finishes.
void expect_single_inversion(const std::string& name, const std::set<std::string>& locks,
                             const std::set<std::string>& threads) {
  const sample_run run = run_sample(name);
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);
  ASSERT_EQ(kinds(run), std::vector<std::string>{"lock-order-inversion"}) << describe(run);
  const json& finding = run.findings.front();
  EXPECT_EQ(lock_names(finding), locks) << finding.dump(2);
  EXPECT_EQ(finding.at("cycle").size(), locks.size()) << finding.dump(2);
  expect_user_names(name, finding, threads);
}

// A real deadlock: reported as `kind` naming `locks`, process ended with 66.
// The closing edge may also be reported first as a potential deadlock.
void expect_fatal(const std::string& name, const std::string& kind, const std::set<std::string>& locks) {
  const sample_run run = run_sample(name);
  EXPECT_FALSE(run.child.timed_out) << describe(run);
  EXPECT_EQ(run.child.exit_code, 66) << describe(run);
  const json* finding = find_kind(run, kind);
  ASSERT_NE(finding, nullptr) << describe(run);
  for (const std::string& lock : locks)
    EXPECT_TRUE(lock_names(*finding).count(lock)) << lock << "\n" << finding->dump(2);
  for (const std::string& other : kinds(run)) {
    EXPECT_TRUE(other == kind || other == "lock-order-inversion") << other << "\n" << describe(run);
  }
  EXPECT_EQ(run.findings.back().at("kind"), kind) << describe(run);
}

TEST(Samples, LockAbBuggyReportsTheInversion) {
  expect_single_inversion("lock_ab_buggy", {"lock_a", "lock_b"}, {"thread_one", "thread_two"});
}
TEST(Samples, LockAbFixedIsClean) {
  expect_clean("lock_ab_fixed");
}

TEST(Samples, LockAbDeadlockBuggyEndsWithADeadlockReport) {
  expect_fatal("lock_ab_deadlock_buggy", "deadlock", {"lock_a", "lock_b"});
}
TEST(Samples, LockAbDeadlockFixedIsClean) {
  expect_clean("lock_ab_deadlock_fixed");
}

TEST(Samples, LockVsRlockBuggyEndsWithASelfDeadlockReport) {
  expect_fatal("lock_vs_rlock_buggy", "self-deadlock", {"state_lock"});
}
TEST(Samples, LockVsRlockFixedIsClean) {
  expect_clean("lock_vs_rlock_fixed");
}

TEST(Samples, BankBuggyReportsTheInversion) {
  expect_single_inversion("bank_buggy", {"account[0]", "account[1]"}, {"teller-1", "teller-2"});
}
TEST(Samples, BankStdBuggyReportsTheInversionInUnmodifiedCode) {
  const sample_run run = run_sample("bank_std_buggy");
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);
  ASSERT_EQ(kinds(run), std::vector<std::string>{"lock-order-inversion"}) << describe(run);
  EXPECT_EQ(run.findings.front().at("cycle").size(), 2u) << run.findings.front().dump(2);
}
TEST(Samples, BankFixedIsClean) {
  expect_clean("bank_fixed");
}

TEST(Samples, PhilosophersBuggyReportsTheFiveForkCycle) {
  expect_single_inversion(
      "philosophers_buggy", {"fork[0]", "fork[1]", "fork[2]", "fork[3]", "fork[4]"},
      {"philosopher-0", "philosopher-1", "philosopher-2", "philosopher-3", "philosopher-4"});
  const sample_run run = run_sample("philosophers_buggy");
  ASSERT_EQ(run.findings.size(), 1u);
  // Around the table in order, whichever fork the cycle is drawn from.
  std::vector<std::string> cycle = cycle_names(run.findings.front());
  ASSERT_EQ(cycle.size(), 5u);
  std::rotate(cycle.begin(), std::find(cycle.begin(), cycle.end(), "fork[0]"), cycle.end());
  const bool forward =
      cycle == std::vector<std::string>{"fork[0]", "fork[1]", "fork[2]", "fork[3]", "fork[4]"};
  EXPECT_TRUE(forward) << run.findings.front().dump(2);
}
TEST(Samples, PhilosophersFixedIsClean) {
  expect_clean("philosophers_fixed");
}

}  // namespace
