// The report sink: dedup, suppressions and their summary, pid and test
// stamps, text vs JSON, colour, log_path.<pid>, fallback to stderr,
// listeners, and the fatal / halt_on_error exits.
//
// The sink is process-wide, so every test gives its findings a unique message
// (the dedup key of a site-less finding is kind + message) and configures the
// sink itself.
#include "report_sink.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "options.hpp"
#include "run_probe.hpp"

namespace concheck::detail {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

detector::finding make_finding(std::string message) {
  detector::finding f;
  f.kind = detector::finding_kind::unlock_not_owned;
  f.message = std::move(message);
  return f;
}

options stderr_options() {
  options o;
  o.color = color_mode::never;
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string log_file_of(const std::string& prefix) {
  return prefix + "." + std::to_string(::getpid());
}

TEST(report_sink, reports_once_per_distinct_finding) {
  configure_report_sink(stderr_options());
  const std::size_t before = reported_count();
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(emit_finding(make_finding("dedup: first")));
  EXPECT_FALSE(emit_finding(make_finding("dedup: first")));
  EXPECT_TRUE(emit_finding(make_finding("dedup: second")));
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(reported_count(), before + 2);
  EXPECT_THAT(out, HasSubstr("dedup: first"));
  EXPECT_EQ(out.find("dedup: first"), out.rfind("dedup: first"));
  EXPECT_THAT(out, HasSubstr("unlock-not-owned"));
}

TEST(report_sink, concurrent_emitters_report_each_finding_once) {
  options o = stderr_options();
  o.log_path = ::testing::TempDir() + "concheck_sink_concurrent";
  o.format = report_format::json;
  ::unlink(log_file_of(o.log_path).c_str());
  configure_report_sink(o);
  constexpr int kThreads = 4;
  constexpr int kFindings = 50;
  std::barrier start(kThreads);
  std::atomic<int> reported{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();  // all threads emit the same findings at once
      for (int i = 0; i < kFindings; ++i) {
        if (emit_finding(make_finding("concurrent: " + std::to_string(i)))) reported.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  configure_report_sink(stderr_options());
  EXPECT_EQ(reported.load(), kFindings);
  const std::string text = read_file(log_file_of(o.log_path));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), kFindings);  // whole lines, none interleaved
}

TEST(report_sink, log_path_gets_pid_and_json_lines) {
  options o = stderr_options();
  o.log_path = ::testing::TempDir() + "concheck_sink_json";
  o.format = report_format::json;
  ::unlink(log_file_of(o.log_path).c_str());
  configure_report_sink(o);
  set_current_test("sink.json");
  EXPECT_TRUE(emit_finding(make_finding("json: one")));
  EXPECT_TRUE(emit_finding(make_finding("json: two")));
  set_current_test("");
  configure_report_sink(stderr_options());
  const std::string text = read_file(log_file_of(o.log_path));
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_THAT(line, StartsWith("{"));
    EXPECT_THAT(line, HasSubstr("\"kind\":\"unlock-not-owned\""));
    EXPECT_THAT(line, HasSubstr("\"pid\":" + std::to_string(::getpid())));
    EXPECT_THAT(line, HasSubstr("\"test\":\"sink.json\""));
  }
  EXPECT_EQ(count, 2);
  EXPECT_THAT(text, HasSubstr("json: one"));
}

// Emits one text finding to its own log file with `color` and returns the file.
std::string text_report_with(color_mode color, const std::string& name) {
  options o = stderr_options();
  o.log_path = ::testing::TempDir() + "concheck_sink_" + name;
  o.color = color;
  ::unlink(log_file_of(o.log_path).c_str());
  configure_report_sink(o);
  EXPECT_TRUE(emit_finding(make_finding("text: " + name)));
  configure_report_sink(stderr_options());
  return read_file(log_file_of(o.log_path));
}

TEST(report_sink, text_format_has_colour_only_when_asked) {
  const std::string never = text_report_with(color_mode::never, "never");
  const std::string automatic = text_report_with(color_mode::auto_, "auto");  // a file is not a terminal
  const std::string always = text_report_with(color_mode::always, "always");
  EXPECT_THAT(never, HasSubstr("text: never"));
  EXPECT_THAT(automatic, HasSubstr("text: auto"));
  EXPECT_THAT(always, HasSubstr("text: always"));
  EXPECT_THAT(never, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(automatic, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(always, HasSubstr("\x1b["));
  EXPECT_THAT(never, Not(HasSubstr("{\"")));  // text, not JSON
}

TEST(report_sink, unwritable_log_path_falls_back_to_stderr_with_one_warning) {
  options o = stderr_options();
  o.log_path = "/nonexistent-dir/concheck";
  configure_report_sink(o);
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(emit_finding(make_finding("fallback: one")));
  EXPECT_TRUE(emit_finding(make_finding("fallback: two")));
  const std::string out = ::testing::internal::GetCapturedStderr();
  configure_report_sink(stderr_options());
  const std::string warning =
      "cannot open log file '/nonexistent-dir/concheck." + std::to_string(::getpid()) + "'";
  EXPECT_THAT(out, HasSubstr(warning));
  EXPECT_EQ(out.find(warning), out.rfind(warning));
  EXPECT_THAT(out, HasSubstr("fallback: one"));
  EXPECT_THAT(out, HasSubstr("fallback: two"));
}

TEST(report_sink, listeners_get_the_plain_text_report) {
  options o = stderr_options();
  o.color = color_mode::always;
  configure_report_sink(o);
  std::vector<std::string> seen;
  add_finding_listener([&seen](const detector::finding& f, const std::string& text) {
    if (f.message.rfind("listener:", 0) == 0) seen.push_back(f.test + "|" + text);
  });
  set_current_test("sink.listener");
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(emit_finding(make_finding("listener: one")));
  EXPECT_FALSE(emit_finding(make_finding("listener: one")));
  static_cast<void>(::testing::internal::GetCapturedStderr());
  set_current_test("");
  configure_report_sink(stderr_options());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_THAT(seen[0], StartsWith("sink.listener|"));
  EXPECT_THAT(seen[0], HasSubstr("listener: one"));
  EXPECT_THAT(seen[0], Not(HasSubstr("\x1b[")));
}

// A finding whose one site is in `function` (legacy.cpp), the suppressions
// file `file_name` (its `rules`) loaded and the sink configured for stderr.
detector::finding suppressed_setup(const std::string& file_name, const std::string& rules,
                                   const std::string& message, const std::string& function) {
  const std::string path = ::testing::TempDir() + file_name;
  std::ofstream(path) << rules;
  EXPECT_EQ(load_suppressions_file(path), "");
  configure_report_sink(stderr_options());
  detector::finding f = make_finding(message);
  detector::site site;
  site.function = function;
  site.file = "legacy.cpp";
  site.line = 3;
  f.sites.push_back(site);
  return f;
}

TEST(report_sink, suppressions_drop_matching_findings_and_summarize) {
  const detector::finding f =
      suppressed_setup("concheck_sink.supp", "# test rules\nunlock-not-owned:*suppressed_function*\n",
                       "suppressed: one", "suppressed_function()");
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(emit_finding(f));
  EXPECT_TRUE(emit_finding(make_finding("suppressed: not matched")));
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, Not(HasSubstr("suppressed: one")));
  EXPECT_THAT(suppressions_summary(), HasSubstr("unlock-not-owned:*suppressed_function*"));
}

// Two threads of one deadlock can each find its cycle: a suppressed finding
// met twice is counted once in the summary, as a reported one is printed once.
TEST(report_sink, a_suppressed_finding_met_twice_is_counted_once) {
  const detector::finding f =
      suppressed_setup("concheck_sink_twice.supp", "unlock-not-owned:*twice_function*\n", "suppressed: twice",
                       "twice_function()");
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(emit_finding(f));
  EXPECT_FALSE(emit_finding(f));
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, Not(HasSubstr("suppressed: twice")));
  EXPECT_THAT(suppressions_summary(), HasSubstr("suppressed 1 finding:"));
  EXPECT_THAT(suppressions_summary(), HasSubstr("1 unlock-not-owned:*twice_function*"));
}

TEST(report_sink, suppressions_file_errors_name_the_file) {
  EXPECT_THAT(load_suppressions_file("/nonexistent/x.supp"),
              HasSubstr("cannot read suppressions file '/nonexistent/x.supp': No such file or directory"));
  const std::string path = ::testing::TempDir() + "concheck_sink_bad.supp";
  std::ofstream(path) << "bogus-kind:foo\n";
  EXPECT_THAT(load_suppressions_file(path), HasSubstr("invalid suppressions file: " + path + ":1:"));
}

TEST(report_sink, forked_child_writes_its_own_log_file) {
  options o = stderr_options();
  // The prefix names this run: the child's file is `<prefix>.<child pid>`, and a
  // file left by an earlier run whose child had this process's pid would
  // otherwise be appended to (the log opens in append mode).
  o.log_path = ::testing::TempDir() + "concheck_sink_fork_" + std::to_string(::getpid());
  ::unlink(log_file_of(o.log_path).c_str());
  configure_report_sink(o);
  EXPECT_TRUE(emit_finding(make_finding("fork: parent")));
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    const bool ok = emit_finding(make_finding("fork: child")) && !emit_finding(make_finding("fork: parent"));
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  configure_report_sink(stderr_options());
  const std::string parent_log = read_file(log_file_of(o.log_path));
  const std::string child_log = read_file(o.log_path + "." + std::to_string(child));
  EXPECT_THAT(parent_log, HasSubstr("fork: parent"));
  EXPECT_THAT(parent_log, Not(HasSubstr("fork: child")));
  EXPECT_THAT(child_log, HasSubstr("fork: child"));
  EXPECT_THAT(child_log, Not(HasSubstr("fork: parent")));
  ::unlink(log_file_of(o.log_path).c_str());
  ::unlink((o.log_path + "." + std::to_string(child)).c_str());
}

TEST(report_sink_death, fatal_finding_exits_with_exitcode) {
  EXPECT_EXIT(
      {
        configure_report_sink(stderr_options());
        emit_finding(make_finding("death: fatal"), severity::fatal);
      },
      ::testing::ExitedWithCode(66), "death: fatal");
}

TEST(report_sink_death, fatal_duplicate_still_exits) {
  EXPECT_EXIT(
      {
        configure_report_sink(stderr_options());
        emit_finding(make_finding("death: dup"));
        emit_finding(make_finding("death: dup"), severity::fatal);
      },
      ::testing::ExitedWithCode(66), "already reported or suppressed; ending the process");
}

// Two threads of one deadlock both find its cycle and both end the process.
// The one that finds it reported already must wait for the reporter's
// listeners (the gtest listener names the test there); it once ended the
// process first and that line was lost. The interleaving is pinned: the
// second thread emits only once the first is inside its listener, which then
// lingers so that ending the process early would cut its output.
TEST(report_sink_death, a_fatal_duplicate_waits_for_the_reporters_listeners) {
  EXPECT_EXIT(
      {
        configure_report_sink(stderr_options());
        std::atomic<bool> in_listener{false};
        std::atomic<bool> second_started{false};
        add_report_listener([&](const detector::finding& finding, const std::string&, bool) {
          if (finding.message != "death: both threads") return;
          in_listener.store(true);
          while (!second_started.load()) std::this_thread::yield();
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          const std::string line = "listener: done\n";
          (void)!::write(STDERR_FILENO, line.data(), line.size());
        });
        std::thread first([] { emit_finding(make_finding("death: both threads"), severity::fatal); });
        while (!in_listener.load()) std::this_thread::yield();
        second_started.store(true);
        emit_finding(make_finding("death: both threads"), severity::fatal);
        first.join();
      },
      ::testing::ExitedWithCode(66), "already reported or suppressed.*listener: done");
}

TEST(report_sink_death, halt_on_error_exits_with_configured_code) {
  EXPECT_EXIT(
      {
        options o = stderr_options();
        o.halt_on_error = true;
        o.exitcode = 9;
        configure_report_sink(o);
        emit_finding(make_finding("death: halt"));
      },
      ::testing::ExitedWithCode(9), "death: halt");
}

int probe_pid(const std::string& output) {
  const std::size_t at = output.find("pid=");
  return at == std::string::npos ? 0 : std::atoi(output.c_str() + at + 4);
}

TEST(report_sink_process, log_path_from_options_gets_the_pid) {
  const std::string prefix = ::testing::TempDir() + "concheck_probe_log";
  const auto r = concheck_test::run_probe("log_path=" + prefix, "emit probe-finding");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("reported=1"));
  EXPECT_THAT(r.output, Not(HasSubstr("probe-finding")));  // not on stderr
  const int pid = probe_pid(r.output);
  ASSERT_NE(pid, 0);
  EXPECT_THAT(read_file(prefix + "." + std::to_string(pid)), HasSubstr("probe-finding"));
  ::unlink((prefix + "." + std::to_string(pid)).c_str());
}

TEST(report_sink_process, matched_suppressions_are_summarized_at_exit) {
  const std::string supp = ::testing::TempDir() + "concheck_probe.supp";
  std::ofstream(supp) << "unlock-not-owned:probe_func*\n";
  const auto r = concheck_test::run_probe("suppressions=" + supp, "emit probe-suppressed");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("reported=0"));
  EXPECT_THAT(r.output, Not(HasSubstr("probe-suppressed")));
  EXPECT_THAT(r.output, HasSubstr("unlock-not-owned:probe_func*"));
}

TEST(report_sink_process, fatal_json_report_exits_with_exitcode) {
  const auto r = concheck_test::run_probe("format=json:exitcode=3", "fatal probe-fatal");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("\"message\":\"probe-fatal\""));
  EXPECT_THAT(r.output, Not(HasSubstr("reported=")));
}

}  // namespace
}  // namespace concheck::detail
