// The scenario program run as a separate process: unmodified and
// LD_PRELOADed with libconcheck_preload.so, linked with the static archive,
// and linked with the shared library. Findings are read back from JSON Lines
// (format=json).
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "child_process.hpp"
#include "concheck/detector/json.hpp"
#include "runtime_test_support.hpp"

namespace runtime_e2e {

int run_command(const std::string& environment, const std::string& command, std::string& output) {
  // Through the one runner (tests/support), so a hang costs a timeout; a
  // shell reads `environment` and `command` as written (redirections too).
  concheck::test::child_options options;
  options.merge_stderr = true;
  const auto run =
      concheck::test::run_child({"/bin/sh", "-c", "exec env " + environment + " " + command}, options);
  output = run.out;
  return run.exit_code;
}

int run_command(const std::vector<std::string>& environment, const std::string& program,
                const std::string& scenario, std::string& output) {
  concheck::test::child_options options;
  for (const auto& e : environment)
    if (!e.empty()) options.env.push_back(e);
  options.merge_stderr = true;
  const auto run = concheck::test::run_child({program, scenario}, options);
  output = run.out;
  return run.exit_code;
}

namespace {

std::vector<finding> parse_findings(const std::string& output) {
  std::vector<finding> out;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    auto parsed = concheck::detector::parse_finding_json(line);
    if (parsed.value) out.push_back(*parsed.value);
  }
  return out;
}

struct variant {
  const char* name;
  std::string environment;
  std::string program;
};

std::vector<variant> variants() {
  return {
      {"preload", std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY, CONCHECK_SCENARIO_PLAIN},
      {"static", "", CONCHECK_SCENARIO_STATIC},
      {"shared", "", CONCHECK_SCENARIO_SHARED},
  };
}

const std::string kOptions = "CONCHECK_OPTIONS=format=json:deadlock_grace_ms=200";

TEST(process_test, InversionIsReportedInUnmodifiedPrograms) {
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command(v.environment + " " + kOptions, v.program + " inversion", output);
    EXPECT_EQ(status, 0) << v.name << "\n" << output;
    EXPECT_NE(output.find("inversion: finished"), std::string::npos) << v.name << "\n" << output;
    auto findings = parse_findings(output);
    ASSERT_EQ(findings.size(), 1u) << v.name << "\n" << output;
    EXPECT_EQ(findings[0].kind, finding_kind::lock_order_inversion) << v.name;
    EXPECT_EQ(findings[0].cycle.size(), 2u) << v.name;
    EXPECT_EQ(findings[0].locks.size(), 2u) << v.name;
  }
}

TEST(process_test, RealDeadlockEndsWithExit66InUnmodifiedPrograms) {
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command(v.environment + " " + kOptions, v.program + " deadlock", output);
    EXPECT_EQ(status, 66) << v.name << "\n" << output;
    bool deadlock = false;
    for (const auto& f : parse_findings(output)) {
      if (f.kind == finding_kind::deadlock) {
        deadlock = true;
        EXPECT_EQ(f.states.size(), 2u) << v.name;
        EXPECT_EQ(f.cycle.size(), 2u) << v.name;
      }
    }
    EXPECT_TRUE(deadlock) << v.name << "\n" << output;
  }
}

TEST(process_test, LostWakeupEndsWithExit66InUnmodifiedPrograms) {
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command(v.environment + " " + kOptions, v.program + " lost-wakeup", output);
    EXPECT_EQ(status, 66) << v.name << "\n" << output;
    auto findings = parse_findings(output);
    ASSERT_EQ(findings.size(), 1u) << v.name << "\n" << output;
    EXPECT_EQ(findings[0].kind, finding_kind::deadlock);
  }
}

TEST(process_test, CleanProgramIsClean) {
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command(v.environment + " " + kOptions, v.program + " clean", output);
    EXPECT_EQ(status, 0) << v.name << "\n" << output;
    EXPECT_TRUE(parse_findings(output).empty()) << v.name << "\n" << output;
  }
}

TEST(process_test, DumpThreadsOnSignal) {
  for (const auto& v : variants()) {
    std::string output;
    const int status =
        run_command(v.environment + " CONCHECK_OPTIONS=dump_threads_signal=10", v.program + " dump", output);
    EXPECT_EQ(status, 0) << v.name << "\n" << output;
    EXPECT_NE(output.find("T0 'main'"), std::string::npos) << v.name << "\n" << output;
    EXPECT_NE(output.find("holds 'held'"), std::string::npos) << v.name << "\n" << output;
    EXPECT_NE(output.find("dump: finished"), std::string::npos) << v.name << "\n" << output;
  }
}

// Runs `scenario` in every variant; the findings of each, with exit status 0 required.
std::vector<std::pair<std::string, std::vector<finding>>> run_everywhere(const std::string& scenario) {
  std::vector<std::pair<std::string, std::vector<finding>>> out;
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command(v.environment + " " + kOptions, v.program + " " + scenario, output);
    EXPECT_EQ(status, 0) << v.name << "\n" << output;
    EXPECT_NE(output.find(scenario + ": finished"), std::string::npos) << v.name << "\n" << output;
    out.emplace_back(v.name + std::string("\n") + output, parse_findings(output));
  }
  return out;
}

TEST(process_test, SpinLockInversionIsReportedInUnmodifiedPrograms) {
  for (const auto& [context, findings] : run_everywhere("spin-inversion")) {
    ASSERT_EQ(findings.size(), 1u) << context;
    EXPECT_EQ(findings[0].kind, finding_kind::lock_order_inversion) << context;
    EXPECT_EQ(findings[0].locks.size(), 2u) << context;
  }
}

TEST(process_test, FreeOfALockedMutexIsReportedInUnmodifiedPrograms) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns free(); concheck's replacement is left out of sanitizer builds";
#endif
  for (const auto& [context, findings] : run_everywhere("free-locked")) {
    ASSERT_EQ(findings.size(), 1u) << context;
    EXPECT_EQ(findings[0].kind, finding_kind::destroy_locked) << context;
  }
}

TEST(process_test, MainReturningWhileHoldingALockIsReported) {
  for (const auto& [context, findings] : run_everywhere("main-returns-holding")) {
    ASSERT_EQ(findings.size(), 1u) << context;
    EXPECT_EQ(findings[0].kind, finding_kind::thread_exit_holding_lock) << context;
    ASSERT_EQ(findings[0].threads.size(), 1u) << context;
    EXPECT_EQ(findings[0].threads[0].id, 0u) << context;
  }
}

TEST(process_test, ExitWhileHoldingALockIsReported) {
  for (const auto& [context, findings] : run_everywhere("exit-holding")) {
    ASSERT_EQ(findings.size(), 1u) << context;
    EXPECT_EQ(findings[0].kind, finding_kind::thread_exit_holding_lock) << context;
  }
}

TEST(process_test, ExitWithOtherThreadsHoldingLocksAndLockingDestructorsIsClean) {
  for (const auto& [context, findings] : run_everywhere("exit-clean")) {
    EXPECT_TRUE(findings.empty()) << context;
  }
}

}  // namespace
}  // namespace runtime_e2e
