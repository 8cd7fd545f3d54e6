// Every kind of JSON log the runtime writes goes through the built
// `concheck report`: the scenario programs and the samples run with
// format=json and a log_path (findings, fatal deadlocks, a suppressed deadlock
// with its notes, a thread dump on a signal), and each log must render with
// exit status 0, every finding, notice and dumped thread in the output. A
// record kind the runtime can write (detector::kLogRecordKinds) that no log
// here holds fails the suite, so a new kind comes with its case here. Also
// the binary on input that is no log at all (/dev/zero, a directory).
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "child_process.hpp"
#include "concheck/detector/log_records.hpp"
#include "concheck/detector/render.hpp"

namespace {

using concheck::detector::dumped_thread;
using concheck::detector::finding;
using concheck::detector::notice;
using concheck::detector::unknown_record;
using concheck::test::run_child;

class ReportLogs : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "concheck_report_logs_" + std::to_string(::getpid());
    ASSERT_TRUE(::mkdir(dir_.c_str(), 0700) == 0 || errno == EEXIST);
  }
  void TearDown() override {
    for (const auto& file : files_in_dir()) std::remove((dir_ + "/" + file).c_str());
    ::rmdir(dir_.c_str());
  }

  std::vector<std::string> files_in_dir() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") out.push_back(name);
      }
      ::closedir(d);
    }
    return out;
  }

  // Runs `argv` with format=json and log_path=<dir>/<name> (plus `options`);
  // the exit status is checked by the caller's expectation.
  void write_log(const std::string& name, const std::vector<std::string>& argv, int expected_status,
                 const std::string& options = "") {
    concheck::test::child_options child;
    child.env.push_back("CONCHECK_OPTIONS=format=json:deadlock_grace_ms=200:log_path=" + dir_ + "/" + name +
                        (options.empty() ? "" : ":" + options));
    const auto run = run_child(argv, child);
    EXPECT_EQ(run.exit_code, expected_status) << name << "\n" << run.out << run.err;
  }

  std::string dir_;
};

std::string read_file(const std::string& path) {
  std::ostringstream text;
  text << std::ifstream(path, std::ios::binary).rdbuf();
  return text.str();
}

// Renders `path` with the built binary and checks that every record of it is
// in the output; adds each record's kind ("finding" or its `record`) to `seen`.
void expect_rendered(const std::string& path, std::set<std::string>& seen) {
  const auto text = run_child({CONCHECK_BINARY, "report", path});
  EXPECT_EQ(text.exit_code, 0) << path << "\n" << text.err;
  EXPECT_EQ(text.err, "") << path;
  const auto dot = run_child({CONCHECK_BINARY, "report", "--format", "dot", path});
  EXPECT_EQ(dot.exit_code, 0) << path << "\n" << dot.err;

  std::istringstream lines(read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    auto parsed = concheck::detector::parse_log_record(line);
    ASSERT_TRUE(parsed) << path << ": " << parsed.error << "\n" << line;
    if (const auto* f = std::get_if<finding>(&*parsed.value)) {
      seen.insert("finding");
      EXPECT_NE(text.out.find("concheck: " + std::string(to_string(f->kind))), std::string::npos)
          << path << "\n"
          << text.out;
      EXPECT_NE(text.out.find(concheck::detector::printable(f->message)), std::string::npos) << path << "\n"
                                                                                             << text.out;
    } else if (const auto* n = std::get_if<notice>(&*parsed.value)) {
      seen.insert("notice");
      EXPECT_NE(text.out.find(concheck::detector::render_text(*n)), std::string::npos) << path << "\n"
                                                                                       << text.out;
    } else if (const auto* t = std::get_if<dumped_thread>(&*parsed.value)) {
      seen.insert("thread-dump");
      EXPECT_NE(text.out.find(std::string(concheck::detector::kThreadDumpHeader)), std::string::npos) << path;
      EXPECT_NE(text.out.find(concheck::detector::render_text(*t)), std::string::npos) << path << "\n"
                                                                                       << text.out;
    } else if (const auto* l = std::get_if<concheck::detector::accessed_location>(&*parsed.value)) {
      seen.insert("access-summary");
      EXPECT_NE(text.out.find(std::string(concheck::detector::kAccessSummaryHeader)), std::string::npos)
          << path;
      EXPECT_NE(text.out.find(concheck::detector::render_text(*l)), std::string::npos) << path << "\n"
                                                                                       << text.out;
    } else {
      ADD_FAILURE() << path << ": the runtime wrote a record concheck does not know: "
                    << std::get<unknown_record>(*parsed.value).record;
    }
  }
}

TEST_F(ReportLogs, EveryLogTheRuntimeWritesRendersCompletely) {
  const std::string scenario = CONCHECK_SCENARIO_STATIC;
  write_log("inversion", {scenario, "inversion"}, 0);
  write_log("deadlock", {scenario, "deadlock"}, 66);
  write_log("lost-wakeup", {scenario, "lost-wakeup"}, 66);
  write_log("spin-inversion", {scenario, "spin-inversion"}, 0);
  write_log("main-returns-holding", {scenario, "main-returns-holding"}, 0);
  write_log("exit-holding", {scenario, "exit-holding"}, 0);
  write_log("clean", {scenario, "clean"}, 0);
  // A thread dump on a signal, while main holds a lock.
  write_log("dump", {scenario, "dump"}, 0, "dump_threads_signal=10");
  // A fatal deadlock that is suppressed still ends the process: a note says
  // so, and the suppressions summary is a note too.
  const std::string suppressions = dir_ + "/suppressions.txt";
  std::ofstream(suppressions) << "deadlock:*\n";
  write_log("suppressed", {scenario, "deadlock"}, 66, "suppressions=" + suppressions);
  const std::map<std::string, int> samples = {{"lock_ab_buggy", 0},        {"lock_ab_deadlock_buggy", 66},
                                              {"lock_vs_rlock_buggy", 66}, {"bank_buggy", 0},
                                              {"bank_std_buggy", 0},       {"philosophers_buggy", 0}};
  for (const auto& [sample, status] : samples) {
    write_log(sample, {std::string(CONCHECK_SAMPLES_DIR) + "/" + sample}, status);
  }

  // Race detection: data-race findings and the access summary.
  write_log("race-summary", {CONCHECK_RACE_SCENARIOS, "summary"}, 0, "access_summary=1");

  std::set<std::string> seen;
  std::size_t logs = 0;
  for (const auto& file : files_in_dir()) {
    if (file == "suppressions.txt") continue;
    ++logs;
    SCOPED_TRACE(file);
    expect_rendered(dir_ + "/" + file, seen);
  }
  EXPECT_GE(logs, 15u);  // "clean" writes no log
  EXPECT_TRUE(seen.count("finding"));
  for (std::string_view kind : concheck::detector::kLogRecordKinds) {
    EXPECT_TRUE(seen.count(std::string(kind))) << "no log of this suite holds a '" << kind << "' record";
  }
}

TEST_F(ReportLogs, SuppressionsSummaryInAJsonLogIsANote) {
  const std::string suppressions = dir_ + "/suppressions.txt";
  std::ofstream(suppressions) << "deadlock:*\n";
  write_log("suppressed", {CONCHECK_SCENARIO_STATIC, "deadlock"}, 66, "suppressions=" + suppressions);
  std::string log;
  for (const auto& file : files_in_dir())
    if (file != "suppressions.txt") log += read_file(dir_ + "/" + file);
  EXPECT_NE(log.find(R"("record":"notice","level":"note","message":"suppressed 1 finding: 1 deadlock:*")"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("concheck: suppressed"), std::string::npos) << log;
}

TEST_F(ReportLogs, ThreadDumpInAJsonLogIsStructured) {
  write_log("dump", {CONCHECK_SCENARIO_STATIC, "dump"}, 0, "dump_threads_signal=10");
  const auto files = files_in_dir();
  ASSERT_EQ(files.size(), 1u);
  const std::string log = read_file(dir_ + "/" + files[0]);
  EXPECT_EQ(log.find("===="), std::string::npos) << log;
  std::istringstream lines(log);
  std::string line;
  std::size_t threads = 0;
  while (std::getline(lines, line)) {
    auto parsed = concheck::detector::parse_log_record(line);
    ASSERT_TRUE(parsed) << parsed.error << "\n" << line;
    const auto* t = std::get_if<dumped_thread>(&*parsed.value);
    ASSERT_NE(t, nullptr) << line;
    EXPECT_EQ(t->dump, 1u);
    EXPECT_EQ(t->index, threads);
    ++threads;
    if (t->thread.id == 0) {
      EXPECT_EQ(t->thread.name, "main");
      ASSERT_EQ(t->holds.size(), 1u) << line;
      EXPECT_EQ(t->holds[0].lock.variable, "held") << line;
      EXPECT_NE(t->holds[0].acquired.line, 0) << line;
      EXPECT_FALSE(t->wait) << line;
    }
  }
  EXPECT_GE(threads, 1u);
}

TEST_F(ReportLogs, InputThatIsNoLogFailsFastWithAClearMessage) {
  const auto zero = run_child({CONCHECK_BINARY, "report", "/dev/zero"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("/dev/zero:1: a NUL byte at column 1"), std::string::npos) << zero.err;
  const auto directory = run_child({CONCHECK_BINARY, "report", dir_});
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_NE(directory.err.find("cannot read " + dir_ + ": it is a directory"), std::string::npos)
      << directory.err;
  const std::string empty = dir_ + "/empty.jsonl";
  std::ofstream(empty).close();
  const auto from_empty = run_child({CONCHECK_BINARY, "report", empty});
  EXPECT_EQ(from_empty.exit_code, 2);
  EXPECT_NE(from_empty.err.find(empty + " is empty"), std::string::npos) << from_empty.err;
}

}  // namespace
