// Bad input: each gets a clear message naming the file and exit status 2,
// never a crash or a hang; the analyzer never writes to the sources.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;

void expect_input_error(const cli_result& r, const std::string& name, const std::string& what) {
  EXPECT_EQ(r.signal, 0) << "concheck died on a signal; stderr: " << r.err;
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(name));
  EXPECT_THAT(r.err, HasSubstr(what));
}

TEST(CliBadInput, MissingFile) {
  scratch_dir dir;
  expect_input_error(run_concheck(on_stubs({"analyze", dir / "nope.cpp"})), "nope.cpp", "No such file");
}

TEST(CliBadInput, Directory) {
  scratch_dir dir;
  expect_input_error(run_concheck(on_stubs({"analyze", dir.path().string()})), dir.path().string(),
                     "directory");
}

TEST(CliBadInput, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their permissions";
  scratch_dir dir;
  std::string file = dir.file("secret.cpp", "int x;\n");
  ::chmod(file.c_str(), 0);
  expect_input_error(run_concheck(on_stubs({"analyze", file})), "secret.cpp", "Permission denied");
}

TEST(CliBadInput, FifoDoesNotHang) {
  scratch_dir dir;
  std::string fifo = dir / "pipe.cpp";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_input_error(run_concheck(on_stubs({"analyze", fifo}), {}, std::chrono::seconds(60)), "pipe.cpp",
                     "not a regular file");
}

TEST(CliBadInput, HugeFile) {
  scratch_dir dir;
  std::string file = dir / "huge.cpp";
  { std::ofstream create(file); }
  fs::resize_file(file, (std::uintmax_t{65} << 20));  // sparse: costs no disk
  expect_input_error(run_concheck(on_stubs({"analyze", file})), "huge.cpp", "too large");
  // The limit is an option.
  expect_input_error(
      run_concheck(on_stubs({"analyze", "--max-file-size=1", CONCHECK_CLI_INPUTS_DIR "/empty_main.cpp",
                             dir.file("big.cpp", std::string(2 << 20, ' '))})),
      "big.cpp", "too large");
}

TEST(CliBadInput, SyntaxErrorNamesFileAndFirstError) {
  auto r = run_concheck(on_stubs({"analyze", CONCHECK_CLI_INPUTS_DIR "/syntax_error.cpp"}));
  expect_input_error(r, "syntax_error.cpp: error: cannot analyze:", "syntax_error.cpp:2:");
}

TEST(CliBadInput, MissingHeaderIsNeverAnalyzedSilently) {
  auto r = run_concheck(on_stubs({"analyze", CONCHECK_CLI_INPUTS_DIR "/missing_header.cpp"}));
  expect_input_error(r, "missing_header.cpp: error: cannot analyze:", "no_such_header.hpp");
}

TEST(CliBadInput, NonUtf8BytesInCommentsAndStringsAreAnalyzed) {
  auto r = run_concheck(on_stubs({"analyze", "--format=json", CONCHECK_CLI_INPUTS_DIR "/latin1.cpp"}));
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CliBadInput, NonUtf8BytesInCodeAreReportedNotCrashed) {
  for (const char* format : {"text", "json", "sarif"}) {
    auto r = run_concheck(on_stubs(
        {"analyze", std::string("--format=") + format, CONCHECK_CLI_INPUTS_DIR "/binary_identifier.cpp"}));
    expect_input_error(r, "binary_identifier.cpp", "cannot analyze");
  }
}

TEST(CliBadInput, BinaryFileIsReportedNotCrashed) {
  scratch_dir dir;
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 7919) & 0xff);
  expect_input_error(run_concheck(on_stubs({"analyze", dir.file("blob.cpp", bytes)})), "blob.cpp",
                     "cannot analyze");
}

TEST(CliBadInput, BuildDirWithoutDatabase) {
  scratch_dir dir;
  expect_input_error(run_concheck(on_stubs({"analyze", "-p", dir.path().string()})), dir.path().string(),
                     "no compile_commands.json");
  expect_input_error(run_concheck(on_stubs({"analyze", "-p", dir / "absent"})), "absent",
                     "no such build folder");
}

TEST(CliBadInput, EmptyDatabase) {
  scratch_dir dir;
  dir.file("compile_commands.json", "");
  expect_input_error(run_concheck(on_stubs({"analyze", "-p", dir.path().string()})), "compile_commands.json",
                     "malformed");
  dir.file("compile_commands.json", "[]");
  expect_input_error(run_concheck(on_stubs({"analyze", "-p", dir.path().string()})), "compile_commands.json",
                     "no entries");
}

TEST(CliBadInput, MalformedDatabase) {
  scratch_dir dir;
  fs::copy_file(CONCHECK_CLI_INPUTS_DIR "/malformed_compile_commands.json", dir / "compile_commands.json");
  expect_input_error(run_concheck(on_stubs({"analyze", "-p", dir.path().string()})), "compile_commands.json",
                     "malformed");
  fs::remove(dir / "compile_commands.json");
  fs::copy_file(CONCHECK_CLI_INPUTS_DIR "/entry_without_file.json", dir / "compile_commands.json");
  expect_input_error(run_concheck(on_stubs({"analyze", "-p", dir.path().string()})), "compile_commands.json",
                     "entry 1");
}

TEST(CliBadInput, DatabaseEntryForMissingSource) {
  scratch_dir dir;
  dir.file("compile_commands.json", "[{\"directory\": \"" + dir.path().string() +
                                        "\", \"file\": \"gone.cpp\", \"command\": \"c++ -c gone.cpp\"}]");
  expect_input_error(run_concheck(on_stubs({"analyze", "-p", dir.path().string()})), "gone.cpp",
                     "No such file");
}

TEST(CliBadInput, SourcesAreNeverWritten) {
  scratch_dir dir;
  std::string file = dir.file("race.cpp", counter_race());
  auto before = fs::last_write_time(file);
  std::string text_before = read_file(file);
  ::chmod(file.c_str(), 0444);
  auto r = run_concheck(on_stubs({"analyze", file}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fs::last_write_time(file), before);
  EXPECT_EQ(read_file(file), text_before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace concheck::cli_test
