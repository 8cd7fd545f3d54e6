// compile_commands.json read by concheck's own reader: each malformation is
// reported in concheck's words with file:line:column and what was expected
// (exit 2, nothing analyzed), and an entry whose strings are not UTF-8 is
// skipped with a warning naming its index while the other entries are
// analyzed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;
using testing::Not;

// Runs `analyze -p` on a folder whose compile_commands.json is `text`.
cli_result run_on_database(const scratch_dir& dir, const std::string& text) {
  dir.file("build/compile_commands.json", text);
  return run_concheck(on_stubs({"analyze", "-p", dir / "build"}), dir.path().string());
}

// An entry analyzing `name` (a file in dir), as JSON text.
std::string entry(const scratch_dir& dir, const std::string& name) {
  return "{\"directory\": \"" + dir.path().string() + "\", \"file\": \"" + name +
         "\", \"command\": \"c++ -c " + name + "\"}";
}

void expect_malformed(const cli_result& r, const std::string& position, const std::string& what) {
  EXPECT_EQ(r.signal, 0) << r.err;
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("compile_commands.json:" + position +
                               ": error: malformed compile_commands.json: " + what));
  // concheck's words, not nlohmann's or LLVM's.
  EXPECT_THAT(r.err, Not(HasSubstr("parse_error")));
  EXPECT_THAT(r.err, Not(HasSubstr("[json.exception")));
  EXPECT_EQ(r.out, "");
}

TEST(CliCompileDbJson, TruncatedFile) {
  scratch_dir dir;
  dir.file("race.cpp", counter_race());
  auto r = run_on_database(dir, "[\n  " + entry(dir, "race.cpp") + ",\n  {\"directory\": \"/tmp\"");
  expect_malformed(r, "3:23", "expected ',' or '}' after an object member, found the end of the file");
}

TEST(CliCompileDbJson, TruncatedInsideAString) {
  scratch_dir dir;
  auto r = run_on_database(dir, "[{\"directory\": \"/tm");
  expect_malformed(r, "1:20", "the file ends inside a string");
}

TEST(CliCompileDbJson, TrailingCommaInTheArray) {
  scratch_dir dir;
  dir.file("race.cpp", counter_race());
  auto r = run_on_database(dir, "[\n" + entry(dir, "race.cpp") + ",\n]\n");
  expect_malformed(r, "3:1", "expected a value after ',', found ']' (JSON allows no trailing comma)");
}

TEST(CliCompileDbJson, TrailingCommaInAnEntry) {
  scratch_dir dir;
  auto r =
      run_on_database(dir, "[{\"directory\": \"/tmp\", \"file\": \"a.cpp\", \"command\": \"c++ a.cpp\",}]");
  expect_malformed(r, "1:64", "expected a member name after ',', found '}'");
}

TEST(CliCompileDbJson, NotAnArray) {
  scratch_dir dir;
  auto r = run_on_database(dir, "\n  {\"directory\": \"/tmp\"}\n");
  expect_malformed(r, "2:3", "expected an array of entries ('[' ... ']'), found an object");
}

TEST(CliCompileDbJson, EmptyFile) {
  scratch_dir dir;
  expect_malformed(run_on_database(dir, "\n"), "1:1", "the file is empty");
}

TEST(CliCompileDbJson, EntryMissingFileOrDirectory) {
  scratch_dir dir;
  expect_malformed(run_on_database(dir, "[\n {\"directory\": \"/tmp\", \"command\": \"c++ a.cpp\"}]"), "2:2",
                   "entry 1 has no \"file\"");
  expect_malformed(
      run_on_database(dir, "[" + entry(dir, "a.cpp") + ",\n {\"file\": \"a.cpp\", \"arguments\": []}]"),
      "2:2", "entry 2 has no \"directory\"");
  expect_malformed(run_on_database(dir, "[{\"directory\": \"/tmp\", \"file\": \"a.cpp\"}]"), "1:2",
                   "entry 1 has neither \"command\" nor \"arguments\"");
}

TEST(CliCompileDbJson, WrongTypes) {
  scratch_dir dir;
  expect_malformed(run_on_database(dir, "[{\"directory\": \"/tmp\", \"file\": 42, \"command\": \"c++\"}]"),
                   "1:32", "entry 1: \"file\" must be a string, found a number");
  expect_malformed(
      run_on_database(dir, "[{\"directory\": \"/tmp\", \"file\": \"a.cpp\", \"arguments\": \"c++\"}]"),
      "1:54", "entry 1: \"arguments\" must be an array of strings, found a string");
  expect_malformed(
      run_on_database(dir,
                      "[{\"directory\": \"/tmp\", \"file\": \"a.cpp\", \"arguments\": [\"c++\", null]}]"),
      "1:62", "entry 1: \"arguments\" item 2 must be a string, found null");
  expect_malformed(run_on_database(dir, "[\"c++ a.cpp\"]"), "1:2", "entry 1 is a string; expected an object");
}

TEST(CliCompileDbJson, GarbageAfterTheArray) {
  scratch_dir dir;
  expect_malformed(run_on_database(dir, "[" + entry(dir, "a.cpp") + "] x"),
                   "1:" + std::to_string(4 + entry(dir, "a.cpp").size()),
                   "expected the end of the file after the value, found 'x'");
}

// One entry names a Latin-1 file name (byte 0xE9): that entry is skipped
// with a warning naming its index; the other entry is analyzed and its
// finding printed.
TEST(CliCompileDbJson, NonUtf8EntryIsSkippedAlone) {
  scratch_dir dir;
  dir.file("race.cpp", counter_race());
  std::string latin1 = "caf\xe9.cpp";
  dir.file(latin1, "int x;\n");
  auto r = run_on_database(dir, "[\n" + entry(dir, latin1) + ",\n" + entry(dir, "race.cpp") + "\n]\n");
  EXPECT_EQ(r.signal, 0) << r.err;
  EXPECT_EQ(r.exit_code, 2) << r.err;  // a file was not analyzed
  EXPECT_THAT(r.err,
              HasSubstr("compile_commands.json:2:1: warning: entry 1 skipped: its \"file\" is not valid "
                        "UTF-8 (the other entries are analyzed)"));
  EXPECT_THAT(r.out, HasSubstr("race.cpp:7:"));
  EXPECT_THAT(r.out, HasSubstr("[concheck-unprotected-write]"));
}

TEST(CliCompileDbJson, NonUtf8InCommandOrArgumentsIsSkippedToo) {
  scratch_dir dir;
  dir.file("race.cpp", counter_race());
  dir.file("ok.cpp", "int y;\n");
  std::string bad_command = "{\"directory\": \"" + dir.path().string() +
                            "\", \"file\": \"ok.cpp\", \"command\": \"c++ -DNAME=\xff -c ok.cpp\"}";
  std::string bad_argument = "{\"directory\": \"" + dir.path().string() +
                             "\", \"file\": \"ok.cpp\", \"arguments\": [\"c++\", \"-I\xc3\", \"ok.cpp\"]}";
  auto r =
      run_on_database(dir, "[" + bad_command + ",\n" + bad_argument + ",\n" + entry(dir, "race.cpp") + "]");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning: entry 1 skipped: its \"command\" is not valid UTF-8"));
  EXPECT_THAT(r.err, HasSubstr("warning: entry 2 skipped: its \"arguments\" item 2 is not valid UTF-8"));
  EXPECT_THAT(r.out, HasSubstr("race.cpp:7:"));
}

TEST(CliCompileDbJson, SkippedEntryIsASarifWarning) {
  scratch_dir dir;
  dir.file("race.cpp", counter_race());
  dir.file("build/compile_commands.json",
           "[" + entry(dir, "\xe9.cpp") + ",\n" + entry(dir, "race.cpp") + "]");
  auto r = run_concheck(on_stubs({"analyze", "--format=sarif", "-p", dir / "build"}), dir.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto log = nlohmann::json::parse(r.out);
  const auto& notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
  ASSERT_EQ(notes.size(), 1U) << r.out;
  EXPECT_EQ(notes[0]["level"], "warning");
  EXPECT_THAT(notes[0]["message"]["text"].get<std::string>(), HasSubstr("entry 1 skipped"));
  EXPECT_EQ(log["runs"][0]["results"].size(), 1U);
}

// Negative: UTF-8 names (and \u escapes) are not skipped.
TEST(CliCompileDbJson, Utf8NamesAreAnalyzed) {
  scratch_dir dir;
  dir.file("caf\xc3\xa9.cpp", counter_race());
  auto r =
      run_on_database(dir, "[{\"directory\": \"" + dir.path().string() +
                               "\", \"file\": \"caf\\u00e9.cpp\", \"command\": \"c++ -c caf\xc3\xa9.cpp\"}]");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("caf\xc3\xa9.cpp:7:"));
}

TEST(CliCompileDbJson, EveryEntryNonUtf8IsAnError) {
  scratch_dir dir;
  auto r = run_on_database(dir, "[" + entry(dir, "\xe9.cpp") + "]");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("entry 1 skipped"));
  EXPECT_THAT(r.err, HasSubstr("no entry of compile_commands.json is left to analyze"));
}

}  // namespace
}  // namespace concheck::cli_test
