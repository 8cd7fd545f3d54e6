// `concheck report` on imperfect and mixed input, run in-process with captured
// streams: logs with notice and thread-dump records, a last line cut short,
// bad lines among good ones, control bytes, absurdly long lines, NUL bytes and
// empty files (docs/report-format.md, "Reading a log").
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "concheck/detector/render.hpp"
#include "report_command.hpp"
#include "report_samples.hpp"

namespace concheck::cli {
namespace {

using detector::render_json;
using detector::render_text;
namespace samples = detector::samples;

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

run_result run_on(std::istream& in, std::initializer_list<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  report_io io;
  io.in = &in;
  io.out = &out;
  io.err = &err;
  run_result result;
  result.status = run_report_command(std::vector<std::string>(args), io);
  result.out = out.str();
  result.err = err.str();
  return result;
}

run_result run_stdin(const std::string& text, std::initializer_list<std::string> args = {"-"}) {
  std::istringstream in(text);
  return run_on(in, args);
}

// A thread-dump record as the runtime writes it (docs/report-format.md).
const std::string kDumpRecord =
    R"({"schema_version":1,"record":"thread-dump","pid":4242,"dump":1,"index":0,"count":1,)"
    R"("thread":{"id":0,"name":"main","created":{"function":"","file":"","line":0,"frames":[]}},)"
    R"("state":"waiting","holds":[{"lock":{"id":7,"name":"held","type":"std::mutex","address":4096,)"
    R"("created":{"function":"f","file":"/src/a.cpp","line":3,"frames":[]},"variable":"","variable_from":""},)"
    R"("shared":false,"acquired":{"function":"f","file":"/src/a.cpp","line":9,"frames":[]}}],)"
    R"("waits":{"kind":"condition","target":8192,"description":"condition variable 'ready'",)"
    R"("timed":true,"at":{"function":"g","file":"/src/a.cpp","line":12,"frames":[]}}})";

const std::string kNoticeRecord =
    R"json({"schema_version":1,"record":"notice","level":"note","message":"deadlock (x) already reported or )json"
    R"json(suppressed; ending the process (its threads cannot continue)","pid":4242})json";

TEST(ReportInput, NoticeAndThreadDumpRecordsAreRenderedInFileOrder) {
  const std::string log =
      kNoticeRecord + "\n" + render_json(samples::bank_inversion()) + "\n" + kDumpRecord + "\n";
  auto result = run_stdin(log);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "concheck: note: deadlock (x) already reported or suppressed; ending the process (its threads "
            "cannot continue)\n\n" +
                render_text(samples::bank_inversion()) +
                "\n==== concheck: threads ====\n"
                "T0 'main'\n"
                "  holds 'held' acquired at /src/a.cpp:9\n"
                "  waits for condition variable 'ready' (with timeout) at /src/a.cpp:12\n");
}

TEST(ReportInput, DotSkipsRecordsThatAreNotFindingsAndSaysSo) {
  const std::string log =
      kNoticeRecord + "\n" + render_json(samples::bank_inversion()) + "\n" + kDumpRecord + "\n";
  auto result = run_stdin(log, {"-", "--format", "dot"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, detector::render_dot({samples::bank_inversion()}));
  EXPECT_NE(result.err.find("not drawn: 1 notice, 1 thread-dump record"), std::string::npos) << result.err;
}

TEST(ReportInput, UnknownRecordKindsAreSkippedWithACount) {
  const std::string log = R"({"schema_version":1,"record":"heartbeat","pid":1})"
                          "\n" +
                          render_json(samples::bank_inversion()) + "\n" +
                          R"({"schema_version":1,"record":"heartbeat","pid":2})" + "\n";
  auto result = run_stdin(log);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, render_text(samples::bank_inversion()));
  EXPECT_NE(result.err.find("skipped 2 records of a kind this concheck does not know ('heartbeat')"),
            std::string::npos)
      << result.err;
}

TEST(ReportInput, LastLineCutShortRendersEverythingBeforeThenNamesTheLine) {
  const std::string cut = render_json(samples::destroy_locked()).substr(0, 120);
  const std::string log = render_json(samples::bank_inversion()) + "\n" + kNoticeRecord + "\n" + cut;
  auto result = run_stdin(log);
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, render_text(samples::bank_inversion()) +
                            "\nconcheck: note: deadlock (x) already reported or suppressed; ending the "
                            "process (its threads cannot continue)\n");
  EXPECT_NE(result.err.find("concheck report: <stdin>:3: the last line is cut short"), std::string::npos)
      << result.err;
}

TEST(ReportInput, BadLinesAmongGoodOnesAreReportedAfterRenderingTheRest) {
  const std::string log = render_json(samples::bank_inversion()) + "\ngarbage\n{\"kind\":\"deadlock\"}\n" +
                          render_json(samples::destroy_locked()) + "\n";
  auto result = run_stdin(log);
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out,
            render_text(samples::bank_inversion()) + "\n" + render_text(samples::destroy_locked()));
  const auto first = result.err.find("<stdin>:2: malformed JSON");
  const auto second = result.err.find("<stdin>:3: missing 'schema_version'");
  EXPECT_NE(first, std::string::npos) << result.err;
  EXPECT_NE(second, std::string::npos) << result.err;
  EXPECT_LT(first, second);
}

TEST(ReportInput, ManyBadLinesAreCountedNotAllListed) {
  std::string log;
  for (int i = 0; i < 100; ++i) log += "garbage\n";
  auto result = run_stdin(log);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("<stdin>:10: malformed JSON"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("<stdin>:11:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("and 90 more bad lines"), std::string::npos) << result.err;
}

detector::finding with_control_bytes() {
  detector::finding f = samples::bank_inversion();
  f.message = "evil \x1b[2J message\x07 with\ta tab and a \r return";
  f.threads[0].name = "worker\x1b]0;title\x07";
  f.locks[0].name = "lock\x1b[31m";
  return f;
}

TEST(ReportInput, ControlBytesFromTheLogAreEscapedInText) {
  auto result = run_stdin(render_json(with_control_bytes()) + "\n");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find('\x07'), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find('\r'), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("evil \\x1b[2J message\\x07 with\\ta tab and a \\r return"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("worker\\x1b]0;title\\x07"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("lock\\x1b[31m"), std::string::npos) << result.out;
}

TEST(ReportInput, ControlBytesStayEscapedWithColorWhichAddsOnlyItsOwnSequences) {
  auto result = run_stdin(render_json(with_control_bytes()) + "\n", {"-", "--color"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out.find("\x1b[2J"), std::string::npos);
  EXPECT_EQ(result.out.find("\x1b]0;"), std::string::npos);
  EXPECT_NE(result.out.find("\\x1b[2J"), std::string::npos);
}

TEST(ReportInput, ControlBytesInNoticesAndErrorsAreEscaped) {
  const std::string log =
      R"({"schema_version":1,"record":"notice","level":"warning","message":"a\u001b[2Jb","pid":1})"
      "\n"
      R"({"schema_version":1,"kind":"dead\u001b[2Jlock"})"
      "\n";
  auto result = run_stdin(log);
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "concheck: warning: a\\x1b[2Jb\n");
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown kind 'dead\\x1b[2Jlock'"), std::string::npos) << result.err;
}

// A stream of `size` zero bytes that counts how much was read from it.
class zero_source : public std::streambuf {
 public:
  explicit zero_source(std::size_t size) : left_(size) {}
  std::size_t consumed() const { return consumed_; }

 protected:
  int_type underflow() override {
    if (left_ == 0) return traits_type::eof();
    const std::size_t n = std::min(left_, sizeof chunk_);
    left_ -= n;
    consumed_ += n;
    setg(chunk_, chunk_, chunk_ + n);
    return traits_type::to_int_type(chunk_[0]);
  }

 private:
  char chunk_[4096] = {};
  std::size_t left_;
  std::size_t consumed_ = 0;
};

TEST(ReportInput, NulBytesFailFastNamingTheLine) {
  zero_source zeros(64u << 20);
  std::istream in(&zeros);
  auto result = run_on(in, {"-"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("<stdin>:1: a NUL byte at column 1: this is not a text file"), std::string::npos)
      << result.err;
  EXPECT_LE(zeros.consumed(), 2u << 20);
}

TEST(ReportInput, AnAbsurdlyLongLineFailsFastAtTheCap) {
  // 1 MiB is the documented cap; a longer line stops the reading there.
  std::string log = render_json(samples::bank_inversion()) + "\n" + std::string(3u << 20, 'x') + "\n";
  auto result = run_stdin(log);
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, render_text(samples::bank_inversion()));
  EXPECT_NE(result.err.find("<stdin>:2: line longer than 1 MiB"), std::string::npos) << result.err;
}

TEST(ReportInput, AnEmptyFileIsAnError) {
  const std::string path =
      testing::TempDir() + "concheck_report_empty_" + std::to_string(::getpid()) + ".jsonl";
  std::ofstream(path).close();
  std::istringstream unused;
  auto result = run_on(unused, {std::string(path)});
  std::remove(path.c_str());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("concheck report: " + path + " is empty (0 bytes): no records to render"),
            std::string::npos)
      << result.err;
  auto from_stdin = run_stdin("");
  EXPECT_EQ(from_stdin.status, 2);
  EXPECT_NE(from_stdin.err.find("<stdin> is empty"), std::string::npos) << from_stdin.err;
}

TEST(ReportInput, AFileWithoutReadPermissionIsNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  const std::string path =
      testing::TempDir() + "concheck_report_locked_" + std::to_string(::getpid()) + ".jsonl";
  std::ofstream(path) << render_json(samples::bank_inversion()) << "\n";
  ::chmod(path.c_str(), 0);
  std::istringstream unused;
  auto result = run_on(unused, {std::string(path)});
  std::remove(path.c_str());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("cannot read " + path + ": Permission denied"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace concheck::cli
