// `concheck analyze --format text|json|sarif`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using json = nlohmann::json;
using testing::HasSubstr;

TEST(CliFormats, TextIsClangStyleWithNotes) {
  scratch_dir dir;
  dir.file("race.cpp", counter_race());
  auto r = run_concheck(on_stubs({"analyze", "race.cpp"}), dir.path().string());
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  std::regex warning(R"(^race\.cpp:7:\d+: warning: .+ \[concheck-unprotected-write\]$)");
  std::regex note(R"(^\S+:\d+:\d+: note: .+$)");
  EXPECT_TRUE(std::regex_match(lines[0], warning)) << lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i)
    EXPECT_TRUE(std::regex_match(lines[i], warning) || std::regex_match(lines[i], note)) << lines[i];
}

TEST(CliFormats, JsonLinesHaveTheDocumentedFields) {
  scratch_dir dir;
  std::string file = dir.file("race.cpp", counter_race());
  auto r = run_concheck(on_stubs({"analyze", "--format=json", file}));
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 1U);
  bool found = false;
  for (const auto& line : lines) {
    json finding = json::parse(line);  // throws (fails the test) on a malformed line
    for (const char* key : {"rule", "file", "line", "column", "message", "notes"})
      EXPECT_TRUE(finding.contains(key)) << key << " missing in " << line;
    EXPECT_TRUE(finding["notes"].is_array());
    for (const auto& n : finding["notes"])
      for (const char* key : {"file", "line", "column", "message"}) EXPECT_TRUE(n.contains(key)) << line;
    if (finding["rule"] == "unprotected-write" && finding["line"] == 7) {
      found = true;
      EXPECT_EQ(finding["file"], file);
    }
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(CliFormats, SarifHasWhatGithubCodeScanningRequires) {
  scratch_dir dir;
  dir.file("src/race.cpp", counter_race());
  auto r = run_concheck(
      on_stubs({"analyze", "--format", "sarif", "--source-root", dir.path().string(), dir / "src/race.cpp"}));
  ASSERT_EQ(r.exit_code, 1) << r.err;
  json log = json::parse(r.out);
  EXPECT_EQ(log["version"], "2.1.0");
  EXPECT_THAT(log["$schema"].get<std::string>(), HasSubstr("sarif"));
  ASSERT_EQ(log["runs"].size(), 1U);
  const json& run = log["runs"][0];
  const json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "concheck");
  EXPECT_TRUE(driver["version"].is_string());
  EXPECT_TRUE(!driver.contains("informationUri") || driver["informationUri"].is_string());
  std::set<std::string> rule_ids;
  for (const auto& rule : driver["rules"]) {
    rule_ids.insert(rule["id"].get<std::string>());
    EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(rule["fullDescription"]["text"].get<std::string>().empty());
    EXPECT_FALSE(rule["help"]["text"].get<std::string>().empty());
  }
  EXPECT_TRUE(rule_ids.contains("unprotected-write"));
  EXPECT_TRUE(rule_ids.contains("lock-order-inversion"));
  EXPECT_EQ(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file://" + dir.path().string() + "/");
  ASSERT_GE(run["results"].size(), 1U);
  bool found = false;
  for (const auto& result : run["results"]) {
    EXPECT_TRUE(rule_ids.contains(result["ruleId"].get<std::string>()));
    EXPECT_EQ(driver["rules"][result["ruleIndex"].get<std::size_t>()]["id"], result["ruleId"]);
    EXPECT_EQ(result["level"], "warning");
    EXPECT_FALSE(result["message"]["text"].get<std::string>().empty());
    EXPECT_FALSE(result["partialFingerprints"].empty());
    const json& where = result["locations"][0]["physicalLocation"];
    EXPECT_EQ(where["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    EXPECT_GE(where["region"]["startLine"].get<int>(), 1);
    if (result.contains("relatedLocations"))
      for (const auto& related : result["relatedLocations"]) {
        EXPECT_TRUE(related.contains("physicalLocation"));
        EXPECT_TRUE(related["message"].contains("text"));
      }
    if (where["artifactLocation"]["uri"] == "src/race.cpp" && where["region"]["startLine"] == 7) found = true;
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(CliFormats, SarifOfACleanRunHasNoResultsAndRecordsErrors) {
  scratch_dir dir;
  auto r = run_concheck(
      on_stubs({"analyze", "--format=sarif", dir.file("fixed.cpp", counter_fixed()), dir / "gone.cpp"}));
  EXPECT_EQ(r.exit_code, 2);
  json log = json::parse(r.out);
  EXPECT_TRUE(log["runs"][0]["results"].empty());
  const json& invocation = log["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], false);
  EXPECT_THAT(invocation["toolExecutionNotifications"][0]["message"]["text"].get<std::string>(),
              HasSubstr("gone.cpp"));
}

TEST(CliFormats, FingerprintsIgnoreLineShifts) {
  scratch_dir dir;
  auto fingerprint_of = [&](const std::string& source) {
    dir.file("race.cpp", source);
    auto r = run_concheck(on_stubs({"analyze", "--format=sarif", "race.cpp"}), dir.path().string());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    return json::parse(r.out)["runs"][0]["results"][0]["partialFingerprints"].dump();
  };
  EXPECT_EQ(fingerprint_of(counter_race()),
            fingerprint_of("// a comment that shifts every line\n" + counter_race()));
}

}  // namespace
}  // namespace concheck::cli_test
