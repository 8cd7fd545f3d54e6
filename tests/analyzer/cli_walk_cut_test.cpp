// A body nested deeper than the analyzer's walk follows: the cut is reported
// as a warning naming file:line:col (stderr in text, a SARIF tool execution
// notification of level warning), never dropped silently; shallower code
// gets no warning.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;
using testing::Not;

// `int sum() { return x\n + x\n ... }` with `terms` terms, one per line:
// a left-nested chain of `terms - 1` binary operators. Every operator node
// starts at the first `x` (line 3, column 10), so that is where a cut is.
std::string deep_sum(int terms) {
  std::string text =
      "int x = 1;\n"   // 1
      "int sum() {\n"  // 2
      "  return x\n";  // 3: the first term
  for (int i = 1; i < terms; ++i) text += "    + x\n";
  text += "  ;\n}\n";
  return text;
}

TEST(CliWalkCut, DeepNestingIsReportedInText) {
  scratch_dir dir;
  std::string file = dir.file("deep.cpp", deep_sum(3000));
  auto r = run_concheck(on_stubs({"analyze", file}), dir.path().string());
  EXPECT_EQ(r.signal, 0) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;  // a warning, not a finding nor an input error
  EXPECT_THAT(r.err,
              HasSubstr("deep.cpp:3:10: warning: code nested here in 'sum' was not analyzed: it is deeper "
                        "than the analyzer follows (1000 levels"));
}

TEST(CliWalkCut, DeepNestingIsASarifNotification) {
  scratch_dir dir;
  std::string file = dir.file("deep.cpp", deep_sum(3000));
  auto r = run_concheck(on_stubs({"analyze", "--format=sarif", file}), dir.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto log = nlohmann::json::parse(r.out);
  const auto& notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
  ASSERT_EQ(notes.size(), 1U) << r.out;
  EXPECT_EQ(notes[0]["level"], "warning");
  EXPECT_THAT(notes[0]["message"]["text"].get<std::string>(), HasSubstr("was not analyzed"));
  const auto& where = notes[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(where["artifactLocation"]["uri"], "deep.cpp");
  EXPECT_EQ(where["region"]["startLine"], 3);
  EXPECT_EQ(where["region"]["startColumn"], 10);
}

TEST(CliWalkCut, ShallowNestingHasNoWarning) {
  scratch_dir dir;
  std::string file = dir.file("shallow.cpp", deep_sum(200));
  auto r = run_concheck(on_stubs({"analyze", file}), dir.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  auto s = run_concheck(on_stubs({"analyze", "--format=sarif", file}), dir.path().string());
  auto log = nlohmann::json::parse(s.out);
  EXPECT_TRUE(log["runs"][0]["invocations"][0]["toolExecutionNotifications"].empty()) << s.out;
}

}  // namespace
}  // namespace concheck::cli_test
