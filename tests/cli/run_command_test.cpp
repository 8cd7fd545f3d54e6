// `concheck run` end to end: the built command explores a plain program
// (run_target.cpp) through the preloaded runtime, finds and replays its
// failing schedules, keeps every output well formed, and refuses bad input
// with exit status 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>

#include "child_process.hpp"
#include "concheck/detector/log_records.hpp"

namespace {

concheck::test::child_result concheck_run(std::vector<std::string> args, std::string concheck_options = {}) {
  std::vector<std::string> argv{CONCHECK_BINARY, "run"};
  argv.insert(argv.end(), args.begin(), args.end());
  concheck::test::child_options options;
  options.unset = {"CONCHECK_OPTIONS", "LD_PRELOAD", "CONCHECK_REPLAY"};
  options.env = {std::string("CONCHECK_PRELOAD_LIBRARY=") + CONCHECK_PRELOAD_LIBRARY};
  if (!concheck_options.empty()) options.env.push_back("CONCHECK_OPTIONS=" + concheck_options);
  return concheck::test::run_child(argv, options);
}

std::string replay_token(const std::string& out) {
  std::smatch m;
  const std::regex replay("concheck run --replay (cc5-[^ ]+) -- ");
  return std::regex_search(out, m, replay) ? m[1].str() : std::string();
}

TEST(RunCommand, CorrectProgramPassesEverySchedule) {
  const auto r = concheck_run({"--schedules", "40", "--", CONCHECK_RUN_TARGET, "correct"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 40 schedules passed"), std::string::npos) << r.out;
}

// A program that carries the runtime linked in statically is run without the
// preload library (a second copy, which the runtime refuses at start: exit 2).
TEST(RunCommand, AProgramWithTheStaticRuntimeIsServedByItsOwnCopy) {
  const auto ok = concheck_run({"--schedules", "10", "--", CONCHECK_RUN_TARGET_STATIC, "correct"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("all 10 schedules passed"), std::string::npos) << ok.out;
  const auto r = concheck_run({"--schedules", "200", "--", CONCHECK_RUN_TARGET_STATIC, "check-then-act"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("overdrawn: -60"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("two copies"), std::string::npos) << r.out;
  const std::string token = replay_token(r.out);
  ASSERT_FALSE(token.empty()) << r.out;
  const auto again = concheck_run({"--replay", token, "--", CONCHECK_RUN_TARGET_STATIC, "check-then-act"});
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_EQ(replay_token(again.out), token);
}

TEST(RunCommand, FailingScheduleIsReportedAndItsReplayFailsAgain) {
  const auto r = concheck_run({"--schedules", "200", "--", CONCHECK_RUN_TARGET, "check-then-act"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("overdrawn: -60"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the program exited with status 3"), std::string::npos) << r.out;
  const std::string token = replay_token(r.out);
  ASSERT_FALSE(token.empty()) << r.out;
  const auto again = concheck_run({"--replay", token, "--", CONCHECK_RUN_TARGET, "check-then-act"});
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_NE(again.out.find("overdrawn: -60"), std::string::npos) << again.out;
  EXPECT_EQ(replay_token(again.out), token);
}

TEST(RunCommand, TheFailureReportedIsTheSameWhateverTheJobs) {
  const auto one =
      concheck_run({"--strategy", "random", "--seed", "5", "--", CONCHECK_RUN_TARGET, "check-then-act"});
  const auto two = concheck_run(
      {"--strategy", "random", "--seed", "5", "--jobs", "2", "--", CONCHECK_RUN_TARGET, "check-then-act"});
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_EQ(two.exit_code, 1);
  EXPECT_FALSE(replay_token(one.out).empty()) << one.out;
  EXPECT_EQ(replay_token(one.out), replay_token(two.out)) << one.out << "\n---\n" << two.out;
}

// A bounded search over runs: each run's choices decide the next run's
// prefix. With no preemption the split withdrawal cannot overdraw (the search
// ends, exhausted); with one it can, and the decision list replays it.
TEST(RunCommand, BoundedSearchOverRunsIsExhaustiveWithinItsBound) {
  const auto none = concheck_run(
      {"--strategy", "dfs", "--preemption-bound", "0", "--", CONCHECK_RUN_TARGET, "check-then-act"});
  EXPECT_EQ(none.exit_code, 0) << none.out << none.err;
  EXPECT_NE(none.out.find("every schedule within 0 preemptions"), std::string::npos) << none.out;
  const auto one = concheck_run(
      {"--strategy", "dfs", "--preemption-bound", "1", "--", CONCHECK_RUN_TARGET, "check-then-act"});
  EXPECT_EQ(one.exit_code, 1) << one.out << one.err;
  const std::string token = replay_token(one.out);
  EXPECT_EQ(token.rfind("cc5-list-", 0), 0u) << one.out;
  const auto again = concheck_run({"--replay", token, "--", CONCHECK_RUN_TARGET, "check-then-act"});
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find("overdrawn: -60"), std::string::npos) << again.out;
}

TEST(RunCommand, ShardsSplitTheSchedules) {
  const auto first =
      concheck_run({"--schedules", "10", "--shard", "0/2", "--", CONCHECK_RUN_TARGET, "correct"});
  const auto second =
      concheck_run({"--schedules", "10", "--shard", "1/2", "--", CONCHECK_RUN_TARGET, "correct"});
  EXPECT_NE(first.out.find("all 5 schedules passed"), std::string::npos) << first.out;
  EXPECT_NE(second.out.find("all 5 schedules passed"), std::string::npos) << second.out;
}

TEST(RunCommand, JsonOutputIsFindingsWithTheirReplayThenASummary) {
  const auto r = concheck_run({"--format", "json", "--", CONCHECK_RUN_TARGET, "ab-ba"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto lines = concheck::test::json_lines(r.out);
  ASSERT_GE(lines.size(), 2u) << r.out;
  bool finding = false;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    const auto record = concheck::detector::parse_log_record(lines[i]);
    ASSERT_TRUE(record) << record.error << ": " << lines[i];
    const auto* f = std::get_if<concheck::detector::finding>(&*record.value);
    ASSERT_NE(f, nullptr) << lines[i];
    EXPECT_TRUE(f->kind == concheck::detector::finding_kind::lock_order_inversion ||
                f->kind == concheck::detector::finding_kind::deadlock)
        << lines[i];
    EXPECT_FALSE(f->message.empty());
    EXPECT_EQ(f->replay.rfind("cc5-", 0), 0u) << lines[i];
    finding = true;
  }
  EXPECT_TRUE(finding);
  EXPECT_NE(lines.back().find("\"record\":\"run-summary\""), std::string::npos) << lines.back();
  EXPECT_NE(lines.back().find("\"failed\":true"), std::string::npos) << lines.back();
}

// std::latch waits on a futex through syscall(): controlled in the program
// too, so a correct program passes every schedule (it stalled before) and a
// latch that never opens is a deadlock. Each fork server keeps its children
// on one CPU.
TEST(RunCommand, StdLatchIsControlledAndAScheduleRunsOnOneCpu) {
  const auto ok = concheck_run({"--schedules", "30", "--jobs", "2", "--", CONCHECK_RUN_TARGET, "latch"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  const auto replay = concheck_run(
      {"--format", "json", "--replay", "cc5-random-s1-i3", "--", CONCHECK_RUN_TARGET, "lost-count"});
  EXPECT_EQ(replay.exit_code, 1) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("\"kind\":\"deadlock\""), std::string::npos) << replay.out;
  const auto lost = concheck_run({"--schedules", "5", "--", CONCHECK_RUN_TARGET, "lost-count"});
  EXPECT_EQ(lost.exit_code, 1) << lost.out << lost.err;
  EXPECT_NE(lost.out.find("deadlock"), std::string::npos) << lost.out;
  const auto pinned = concheck_run({"--schedules", "4", "--jobs", "2", "--", CONCHECK_RUN_TARGET, "one-cpu"});
  EXPECT_EQ(pinned.exit_code, 0) << pinned.out << pinned.err;
}

TEST(RunCommand, CrashesAndHangsAreFailures) {
  const auto crash = concheck_run({"--format", "json", "--", CONCHECK_RUN_TARGET, "abort"});
  EXPECT_EQ(crash.exit_code, 1) << crash.out << crash.err;
  EXPECT_NE(crash.out.find("\"kind\":\"crash\""), std::string::npos) << crash.out;
  EXPECT_NE(crash.out.find("signal 6 (SIGABRT)"), std::string::npos) << crash.out;
  const auto hang = concheck_run({"--timeout", "1", "--schedules", "1", "--", CONCHECK_RUN_TARGET, "block"});
  EXPECT_EQ(hang.exit_code, 1) << hang.out << hang.err;
  EXPECT_NE(hang.out.find("the schedule did not end within 1000 ms of real time"), std::string::npos)
      << hang.out;
}

// A schedule that makes progress but does not end is reported by its own
// process at --timeout: how far it got, and what it printed (flushed, though
// stdout is not a terminal), not only "it did not end" with the output lost.
TEST(RunCommand, ATimedOutScheduleSaysHowFarItGotAndKeepsItsOutput) {
  const auto r = concheck_run({"--timeout", "1", "--schedules", "1", "--", CONCHECK_RUN_TARGET, "endless"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("endless: started"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("step-bound-exceeded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the schedule did not end within 1000 ms of real time (concheck run --timeout): "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("scheduling points so far, T"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hint: a test too long to run one thread at a time: raise --timeout"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Replay it:"), std::string::npos) << r.out;
}

// A child that cannot report its time limit (here the whole process is
// stopped, its watch thread too) is killed by its fork server 5 s later,
// and what it printed is still shown.
TEST(RunCommand, AScheduleThatCannotReportItsTimeoutIsKilledWithItsOutputKept) {
  const auto r = concheck_run({"--timeout", "1", "--schedules", "1", "--", CONCHECK_RUN_TARGET, "stop"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("did not end within --timeout 1 s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stop: stopping"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nor report it 5000 ms later: killed"), std::string::npos) << r.out;
}

// A thread that blocks where concheck does not see it is reported by the
// child's stall watch after 5 s (its stack is the runtime's own,
// explore_scheduler.cpp), naming the thread, before the --timeout.
TEST(RunCommand, AThreadBlockedOutsideConcheckIsReportedByTheStallWatch) {
  const auto r = concheck_run({"--timeout", "50", "--schedules", "1", "--", CONCHECK_RUN_TARGET, "block"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("step-bound-exceeded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("T0 ran for 5000 ms without reaching a scheduling point"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'main' (T0): the main thread"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hint: compile the code it spins in with race detection's instrumentation"),
            std::string::npos)
      << r.out;
}

// A read of a pipe nothing in the schedule writes, through read(): the
// thread waits for an answer from outside (docs/explore.md, "Pipes, sockets
// and event fds") and the stall watch names the call it waits in.
TEST(RunCommand, AReadNothingInTheScheduleAnswersIsNamedByTheStallWatch) {
  const auto r =
      concheck_run({"--timeout", "50", "--schedules", "1", "--", CONCHECK_RUN_TARGET, "block-read"},
                   "explore_stall_ms=1000");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("T0 waited 1000 ms in read() for I/O that no thread of the schedule can provide"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("a deadlock through a pipe, a socket or an event fd"), std::string::npos) << r.out;
}

// The fork server's children break copy-on-write of the pages the first
// children wrote all at once, in one system call a range, instead of one
// page fault a page (fork_server_pages.hpp): the pages hold what they held,
// and a later child's writes to them fault no more.
// A correct program longer than the step bound: 120,000 scheduling points,
// none without progress (it failed as step-bound-exceeded at 100,000 when the
// bound counted every point). The bound on all points still ends it when set
// below its length.
TEST(RunCommand, ALongCorrectProgramPassesAndMaxStepsBoundsItsLength) {
  const auto r = concheck_run({"--schedules", "2", "--", CONCHECK_RUN_TARGET, "long"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 2 schedules passed"), std::string::npos) << r.out;
  const auto cut =
      concheck_run({"--schedules", "1", "--", CONCHECK_RUN_TARGET, "long"}, "explore_max_steps=50000");
  EXPECT_EQ(cut.exit_code, 1) << cut.out << cut.err;
  EXPECT_NE(cut.out.find("did not end within 50000 scheduling points in all"), std::string::npos) << cut.out;
}

// explore_stall_ms sets the stall watch's time in each schedule's process.
TEST(RunCommand, TheStallTimeIsAnOption) {
  const auto r = concheck_run({"--timeout", "50", "--schedules", "1", "--", CONCHECK_RUN_TARGET, "block"},
                              "explore_stall_ms=1000");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("T0 ran for 1000 ms without reaching a scheduling point"), std::string::npos) << r.out;
}

TEST(RunCommand, LaterChildrenFindThePagesEarlierOnesWroteAlreadyTheirOwn) {
  const std::string path = ::testing::TempDir() + "run_write_pages_" + std::to_string(::getpid());
  std::remove(path.c_str());
  const auto r = concheck_run({"--schedules", "8", "--", CONCHECK_RUN_TARGET, "write-pages", path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // 5: a page did not hold its initial value
  std::ifstream in(path);
  std::vector<long> faults;
  std::string word;
  for (long n = 0; in >> word >> n;) faults.push_back(n);
  std::remove(path.c_str());
  ASSERT_GE(faults.size(), 8u) << r.out;
  if (faults.front() < 150)
    GTEST_SKIP() << "the first child took " << faults.front()
                 << " faults for 400 pages: the kernel maps them in bigger units here";
  // A quarter: under AddressSanitizer the writes also fault on its shadow
  // memory, which is not scanned (48 of 452 faults remain there).
  EXPECT_LE(faults.back(), faults.front() / 4) << "faults per child: " << ::testing::PrintToString(faults);
}

// fork() copies no page-table entries of code: without the fork server
// mapping its libraries' code for its children (fork_server_pages.hpp), every
// child faulted again on each code page it ran (8 faults for these libm
// calls in each child with the runtime before it).
TEST(RunCommand, ChildrenRunCodeTheServerNeverRanWithoutPageFaults) {
  const std::string path = ::testing::TempDir() + "run_code_" + std::to_string(::getpid());
  std::remove(path.c_str());
  const auto r = concheck_run({"--schedules", "4", "--", CONCHECK_RUN_TARGET, "run-code", path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(path);
  std::vector<long> faults;
  std::string word;
  for (long n = 0; in >> word >> n;) faults.push_back(n);
  std::remove(path.c_str());
  ASSERT_GE(faults.size(), 4u) << r.out;
  EXPECT_LE(*std::max_element(faults.begin(), faults.end()), 2)
      << "faults per child: " << ::testing::PrintToString(faults);
}

// `concheck --help` sends users to `concheck run --help`: it prints every
// option, not an unknown-option error. An argument of the program's own
// after -- is the program's.
TEST(RunCommand, HelpListsTheOptions) {
  for (const char* flag : {"--help", "-h"}) {
    const auto r = concheck_run({flag});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const char* option : {"--strategy", "--schedules", "--seed", "--time-limit", "--timeout", "--jobs",
                               "--shard", "--pct-depth", "--preemption-bound", "--replay", "--format"})
      EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing from:\n" << r.out;
    EXPECT_EQ(r.err, "");
  }
  const auto program_flag = concheck_run({"--schedules", "1", "--", "/nonexistent/program", "--help"});
  EXPECT_EQ(program_flag.exit_code, 2) << program_flag.out;
  EXPECT_NE(program_flag.err.find("cannot run '/nonexistent/program'"), std::string::npos)
      << program_flag.err;
}

TEST(RunCommand, BadInputIsAUsageErrorNamingIt) {
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{"--", "/nonexistent/program"}, "cannot run '/nonexistent/program'"},
      {{"--schedules", "x", "--", "true"}, "--schedules expects a non-negative integer, got 'x'"},
      {{"--shard", "2/2", "--", "true"}, "--shard expects I/N with 0 <= I < N, got '2/2'"},
      {{"--strategy", "clever", "--", "true"},
       "--strategy expects automatic, random, pct, dfs or delay, got 'clever'"},
      {{"--preemption-bound", "-1", "--", "true"}, "--preemption-bound expects 0..1000, got '-1'"},
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"--schedules", "3"}, "no program to run"},
      {{"--replay", "cc5-random-s1", "--", CONCHECK_RUN_TARGET, "correct"},
       "malformed replay token 'cc5-random-s1': expected cc5-random-s<seed>-i<index>"},
      {{"--replay", "cc1-random-s1-i3", "--", CONCHECK_RUN_TARGET, "correct"},
       "was made by an earlier concheck (version cc1)"},
      {{"--replay", "cc2-random-s1-i3", "--", CONCHECK_RUN_TARGET, "correct"},
       "was made by an earlier concheck (version cc2)"},
      {{"--replay", "cc4-pct-d3-k10-s1-i3", "--", CONCHECK_RUN_TARGET, "correct"},
       "was made by an earlier concheck (version cc4)"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = concheck_run(args);
    EXPECT_EQ(r.exit_code, 2) << message << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

}  // namespace
