// The GoogleTest integration end to end: runs gtest_child (a test program
// linked with concheck::gtest) as a child process and checks that a finding
// fails exactly the test it happened in, at the user's source line, with the
// report in the message; that clean tests around it pass; that a deadlock
// death test works; and that a finding outside any test fails the run without
// being charged to a test.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "child_process.hpp"

namespace {

using concheck::test::run_child;

std::string expected_site(const std::string& out) {
  std::smatch match;
  if (!std::regex_search(out, match, std::regex("EXPECTED_SITE ([^\\n]+)"))) return "";
  return match[1];
}

std::string basename_site(const std::string& site) {
  return site.substr(site.rfind('/') + 1);
}

TEST(GtestIntegration, FindingFailsItsOwnTestAtTheUsersLine) {
  const auto child = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=Findings.*:Deadlock.*"});
  ASSERT_FALSE(child.timed_out) << child.out << child.err;
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;
  const std::string& out = child.out;
  EXPECT_NE(out.find("[  FAILED  ] Findings.LockOrderInversion"), std::string::npos) << out;
  EXPECT_NE(out.find("[       OK ] Findings.AfterFinding"), std::string::npos) << out;
  EXPECT_NE(out.find("[       OK ] Findings.Clean"), std::string::npos) << out;
  EXPECT_NE(out.find("[       OK ] Deadlock.EndsWithExitCode66"), std::string::npos) << out << child.err;
  EXPECT_EQ(out.find("[  FAILED  ] Findings.AfterFinding"), std::string::npos) << out;
  EXPECT_NE(out.find("1 FAILED TEST"), std::string::npos) << out;

  // The failure points at the line that closed the cycle and carries the report.
  const std::string site = expected_site(out);
  ASSERT_FALSE(site.empty()) << out;
  const std::regex failure(basename_site(site) +
                           ": Failure\\n(Failed\\n)?concheck reported lock-order-inversion");
  EXPECT_TRUE(std::regex_search(out, failure)) << "expected a failure at " << site << "\n" << out;
  const std::size_t at = out.find("concheck reported lock-order-inversion");
  ASSERT_NE(at, std::string::npos);
  const std::size_t end = out.find("[  FAILED  ] Findings.LockOrderInversion", at);
  const std::string message = out.substr(at, end - at);
  EXPECT_NE(message.find("child_a"), std::string::npos) << message;
  EXPECT_NE(message.find("child_b"), std::string::npos) << message;
}

TEST(GtestIntegration, FindingsCarryTheirTestAndDeadlocksNameIt) {
  const auto child = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=Findings.LockOrderInversion"},
                               concheck::test::with_env({"CONCHECK_OPTIONS=format=json"}));
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;
  const auto reports = concheck::test::json_lines(child.err);
  ASSERT_EQ(reports.size(), 1u) << child.err;
  EXPECT_NE(reports[0].find("\"test\":\"Findings.LockOrderInversion\""), std::string::npos) << reports[0];

  // Outside a death test, a deadlock ends the whole program, after naming the test.
  const auto deadlock = run_child({CONCHECK_GTEST_CHILD, "--gtest_also_run_disabled_tests",
                                   "--gtest_filter=Deadlock.DISABLED_OutsideADeathTest"});
  EXPECT_EQ(deadlock.exit_code, 66) << deadlock.out << deadlock.err;
  EXPECT_NE(deadlock.err.find("[ concheck ] Deadlock.DISABLED_OutsideADeathTest: concheck reported deadlock"),
            std::string::npos)
      << deadlock.err;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Issue 9 item 11: the report is printed once, in the test's failure, not
// again on stderr; with log_path set it goes to that log as well.
TEST(GtestIntegration, ReportIsPrintedOnceInTheFailure) {
  const auto child = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=Findings.LockOrderInversion"});
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;
  const std::string summary = "SUMMARY: concheck: lock-order-inversion";
  EXPECT_EQ(count(child.out, summary), 1u) << child.out;
  EXPECT_EQ(count(child.err, summary), 0u) << child.err;

  const auto logged = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=Findings.LockOrderInversion"},
                                concheck::test::with_env({"CONCHECK_OPTIONS=log_path=stderr"}));
  EXPECT_EQ(logged.exit_code, 1) << logged.out << logged.err;
  EXPECT_EQ(count(logged.out, summary), 1u) << logged.out;
  EXPECT_EQ(count(logged.err, summary), 1u) << logged.err;
}

TEST(GtestIntegration, DeathTestChildrenStillPrintTheirReports) {
  const auto child = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=DeathTests.*"});
  EXPECT_EQ(child.exit_code, 0) << child.out << child.err;
  EXPECT_NE(child.out.find("[  PASSED  ] 2 tests"), std::string::npos) << child.out << child.err;
}

// Issue 9 item 1: locks taken through a user's wrapper class fail the test at
// the user's line, and the report's SUMMARY names it, not the wrapper.
TEST(GtestIntegration, WrappedLocksFailAtTheUsersLine) {
  const auto child = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=Wrapped.LockOrderInversion"});
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;
  const std::string site = basename_site(expected_site(child.out));
  ASSERT_FALSE(site.empty()) << child.out;
  const std::regex failure(site + ": Failure\\n(Failed\\n)?concheck reported lock-order-inversion");
  EXPECT_TRUE(std::regex_search(child.out, failure)) << "expected a failure at " << site << "\n" << child.out;
  const std::size_t summary = child.out.find("SUMMARY: concheck: lock-order-inversion " + site + " in ");
  ASSERT_NE(summary, std::string::npos) << child.out;
  const std::string summary_line = child.out.substr(summary, child.out.find('\n', summary) - summary);
  EXPECT_EQ(summary_line.find("wrapped_mutex"), std::string::npos) << summary_line;
}

TEST(GtestIntegration, CleanTestsPass) {
  const auto child = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=Findings.Clean:Findings.AfterFinding"});
  EXPECT_EQ(child.exit_code, 0) << child.out << child.err;
  EXPECT_NE(child.out.find("[  PASSED  ] 2 tests"), std::string::npos) << child.out;
}

TEST(GtestIntegration, FindingOutsideAnyTestFailsTheRunNotATest) {
  const auto child = run_child({CONCHECK_GTEST_CHILD, "--gtest_filter=Findings.Clean"},
                               concheck::test::with_env({"CONCHECK_CHILD_STRAY=1"}));
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;
  EXPECT_NE(child.out.find("[       OK ] Findings.Clean"), std::string::npos) << child.out;
  EXPECT_NE(child.out.find("reported outside any test: concheck reported lock-order-inversion"),
            std::string::npos)
      << child.out;
  EXPECT_EQ(child.out.find("[  FAILED  ] Findings.Clean"), std::string::npos) << child.out;
}

}  // namespace
