// `concheck report`, run in-process with captured streams: every format, and
// every bad input giving exit status 2 with a message naming the problem.
#include "report_command.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "concheck/detector/render.hpp"
#include "report_samples.hpp"

namespace concheck::cli {
namespace {

using detector::render_dot;
using detector::render_json;
using detector::render_text;
using detector::text_options;
namespace samples = detector::samples;

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

class ReportCommand : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "concheck_report_test_" + std::to_string(::getpid());
    ASSERT_TRUE(::mkdir(dir_.c_str(), 0700) == 0 || errno == EEXIST);
  }
  void TearDown() override {
    for (const auto& file : files_) std::remove(file.c_str());
    ::rmdir(dir_.c_str());
  }

  std::string write_file(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    files_.push_back(path);
    return path;
  }

  run_result run(std::initializer_list<std::string> args, const std::string& stdin_text = "",
                 const std::string& dot_program = "dot") {
    std::istringstream in(stdin_text);
    std::ostringstream out;
    std::ostringstream err;
    report_io io;
    io.in = &in;
    io.out = &out;
    io.err = &err;
    io.dot_program = dot_program;
    run_result result;
    result.status = run_report_command(std::vector<std::string>(args), io);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  std::string saved_findings() {
    return render_json(samples::bank_inversion()) + "\n\n" + render_json(samples::destroy_locked()) + "\n";
  }

  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(ReportCommand, TextRendersEveryFinding) {
  std::string path = write_file("findings.jsonl", saved_findings());
  auto result = run({path});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            render_text(samples::bank_inversion()) + "\n" + render_text(samples::destroy_locked()));
}

TEST_F(ReportCommand, TextOptionsReachTheRenderer) {
  std::string path = write_file("findings.jsonl", saved_findings());
  text_options options;
  options.show_internal_frames = true;
  options.color = true;
  auto result = run({"--show-internal", "--color", "--format=text", path});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, render_text(samples::bank_inversion(), options) + "\n" +
                            render_text(samples::destroy_locked(), options));
}

TEST_F(ReportCommand, StdinAndDot) {
  auto result = run({"-", "--format", "dot"}, saved_findings());
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, render_dot({samples::bank_inversion(), samples::destroy_locked()}));
}

TEST_F(ReportCommand, EmptyInputIsFine) {
  auto result = run({"-"}, "\n  \n");
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.out, "");
}

TEST_F(ReportCommand, OutputFile) {
  std::string in = write_file("findings.jsonl", saved_findings());
  std::string out = dir_ + "/graph.dot";
  files_.push_back(out);
  auto result = run({in, "-f", "dot", "-o", out});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "");
  std::stringstream written;
  written << std::ifstream(out).rdbuf();
  EXPECT_EQ(written.str(), render_dot({samples::bank_inversion(), samples::destroy_locked()}));
}

TEST_F(ReportCommand, SvgThroughGraphviz) {
  if (::access("/usr/bin/dot", X_OK) != 0) GTEST_SKIP() << "graphviz not installed";
  std::string in = write_file("findings.jsonl", saved_findings());
  auto result = run({in, "--format", "svg"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("<svg"), std::string::npos);
  EXPECT_NE(result.out.find("accounts[3]"), std::string::npos);
}

TEST_F(ReportCommand, SvgWithoutGraphvizNamesThePackage) {
  std::string in = write_file("findings.jsonl", saved_findings());
  auto result = run({in, "--format", "svg"}, "", "concheck-no-such-dot-program");
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("install the graphviz package"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
}

TEST_F(ReportCommand, SvgWhenDotFailsShowsItsMessage) {
  std::string in = write_file("findings.jsonl", saved_findings());
  auto result = run({in, "--format", "svg"}, "", "false");
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("'false -Tsvg' failed (exit status 1)"), std::string::npos) << result.err;
}

TEST_F(ReportCommand, Help) {
  auto result = run({"--help"});
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("usage: concheck report FILE.jsonl"), std::string::npos);
}

struct usage_case {
  std::vector<std::string> args;
  std::string message;
};

TEST_F(ReportCommand, UsageErrorsExitTwoWithAMessage) {
  std::string good = write_file("good.jsonl", saved_findings());
  const std::vector<usage_case> cases = {
      {{}, "missing input file"},
      {{good, "--format"}, "--format needs a value"},
      {{good, "--format", "png"}, "unknown --format 'png'"},
      {{good, "--format=pdf"}, "unknown --format 'pdf'"},
      {{good, "-o"}, "-o needs a file name"},
      {{good, "--output="}, "--output= needs a file name"},
      {{good, "--verbose"}, "unknown option '--verbose'"},
      {{good, good}, "more than one input file"},
      {{""}, "empty input file name"},
  };
  for (const auto& c : cases) {
    std::ostringstream out;
    std::ostringstream err;
    report_io io;
    io.out = &out;
    io.err = &err;
    EXPECT_EQ(run_report_command(c.args, io), 2) << c.message;
    EXPECT_NE(err.str().find("concheck report: " + c.message), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("usage: concheck report"), std::string::npos);
    EXPECT_EQ(out.str(), "");
  }
}

TEST_F(ReportCommand, UnreadableFile) {
  auto result = run({dir_ + "/missing.jsonl"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("cannot read " + dir_ + "/missing.jsonl: No such file or directory"),
            std::string::npos)
      << result.err;
  auto directory = run({dir_});
  EXPECT_EQ(directory.status, 2);
  EXPECT_NE(directory.err.find(dir_), std::string::npos) << directory.err;
}

TEST_F(ReportCommand, MalformedLineNamesFileAndLine) {
  std::string path =
      write_file("bad.jsonl", render_json(samples::bank_inversion()) + "\n\n{\"kind\":\"deadlock\"}\n");
  auto result = run({path});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find(path + ":3: missing 'schema_version'"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, render_text(samples::bank_inversion()));  // the good lines are still rendered
  auto from_stdin = run({"-"}, "garbage\n");
  EXPECT_EQ(from_stdin.status, 2);
  EXPECT_NE(from_stdin.err.find("<stdin>:1: malformed JSON"), std::string::npos) << from_stdin.err;
}

TEST_F(ReportCommand, UnwritableOutput) {
  std::string in = write_file("findings.jsonl", saved_findings());
  auto result = run({in, "-o", dir_ + "/no/such/dir/out.txt"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("cannot write " + dir_ + "/no/such/dir/out.txt"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace concheck::cli
