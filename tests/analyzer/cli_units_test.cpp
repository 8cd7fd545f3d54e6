// Unit tests of the CLI's pieces that need no child process: option parsing,
// --checks resolution, NOLINT markers, compile command rewriting, output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_options.hpp"
#include "cli_test_support.hpp"
#include "compile_db.hpp"
#include "nolint.hpp"
#include "output.hpp"

namespace concheck::analyzer {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

analyze_options parse_ok(const std::vector<std::string>& args) {
  auto parsed = parse_analyze_options(args);
  if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *error;
  return std::get_if<analyze_options>(&parsed) != nullptr ? std::get<analyze_options>(parsed)
                                                          : analyze_options{};
}

std::string parse_error(const std::vector<std::string>& args) {
  auto parsed = parse_analyze_options(args);
  return std::get_if<std::string>(&parsed) != nullptr ? std::get<std::string>(parsed) : "";
}

TEST(CliUnits, OptionsInEveryspelling) {
  auto o = parse_ok(
      {"-p", "build", "-j4", "--format=sarif", "--checks", "-a", "--checks=b", "x.cpp", "--", "-DX", "-j"});
  EXPECT_EQ(o.build_dir, "build");
  EXPECT_EQ(o.jobs, 4U);
  EXPECT_EQ(o.format, output_format::sarif);
  EXPECT_EQ(o.checks, "-a,b");
  EXPECT_THAT(o.files, ElementsAre("x.cpp"));
  EXPECT_THAT(o.extra_flags, ElementsAre("-DX", "-j"));  // after `--`, flags are the compiler's
  EXPECT_EQ(parse_ok({"-pbuild"}).build_dir, "build");
  EXPECT_EQ(parse_ok({"--jobs", "2"}).jobs, 2U);
  EXPECT_EQ(parse_ok({"--max-file-size=2"}).max_file_size, std::size_t{2} << 20);
  EXPECT_TRUE(parse_ok({"--full-parse"}).full_parse);
  EXPECT_FALSE(parse_ok({"--no-pch"}).use_pch);
}

TEST(CliUnits, BadOptionsNameTheProblem) {
  EXPECT_THAT(parse_error({"--nope"}), HasSubstr("'--nope'"));
  EXPECT_THAT(parse_error({"-j", "0"}), HasSubstr("-j"));
  EXPECT_THAT(parse_error({"-j", "2x"}), HasSubstr("'2x'"));
  EXPECT_THAT(parse_error({"--format"}), HasSubstr("needs a value"));
  EXPECT_THAT(parse_error({"--no-pch=1"}), HasSubstr("takes no value"));
  EXPECT_THAT(parse_error({"--max-file-size=huge"}), HasSubstr("huge"));
}

TEST(CliUnits, ChecksApplyLeftToRight) {
  auto all = std::get<std::set<std::string>>(resolve_checks(""));
  EXPECT_TRUE(all.contains("unprotected-write"));
  EXPECT_TRUE(all.contains("lock-order-inversion"));
  auto none = std::get<std::set<std::string>>(resolve_checks("-*"));
  EXPECT_TRUE(none.empty());
  auto one = std::get<std::set<std::string>>(resolve_checks("-*, concheck-lock-order-inversion"));
  EXPECT_EQ(one, std::set<std::string>{"lock-order-inversion"});
  auto minus = std::get<std::set<std::string>>(resolve_checks("-unprotected-write"));
  EXPECT_FALSE(minus.contains("unprotected-write"));
  EXPECT_TRUE(minus.contains("lock-order-inversion"));
  EXPECT_TRUE(std::holds_alternative<std::set<std::string>>(resolve_checks("-*,clang-analyzer-*")));
  EXPECT_THAT(std::get<std::string>(resolve_checks("unprotected-writes")), HasSubstr("unprotected-writes"));
}

diagnostic finding_at(const std::string& file, unsigned line, const std::string& rule = "unprotected-write") {
  return diagnostic{rule, {file, line, 3}, "message", {}};
}

TEST(CliUnits, NolintMarkers) {
  cli_test::scratch_dir dir;
  std::string file = dir.file("n.cpp",
                              "a;  // NOLINT\n"                                  // 1
                              "b;  // NOLINT(concheck-lock-order-inversion)\n"   // 2
                              "// NOLINTNEXTLINE(concheck-unprotected-write)\n"  // 3
                              "c;\n"                                             // 4
                              "d;  // NOLINT(\n"                                 // 5: malformed
                              "// NOLINTBEGIN(concheck-*)\n"                     // 6
                              "e;\n"                                             // 7
                              "// NOLINTEND(concheck-*)\n"                       // 8
                              "f;  // NOLINT(unprotected-write)\n"               // 9: prefix optional
                              "g;\n");                                           // 10
  nolint_filter filter;
  EXPECT_TRUE(filter.suppressed(finding_at(file, 1)));
  EXPECT_FALSE(filter.suppressed(finding_at(file, 2)));
  EXPECT_TRUE(filter.suppressed(finding_at(file, 2, "lock-order-inversion")));
  EXPECT_TRUE(filter.suppressed(finding_at(file, 4)));
  EXPECT_FALSE(filter.suppressed(finding_at(file, 5)));
  EXPECT_TRUE(filter.suppressed(finding_at(file, 7)));
  EXPECT_TRUE(filter.suppressed(finding_at(file, 9)));
  EXPECT_FALSE(filter.suppressed(finding_at(file, 10)));
  EXPECT_FALSE(filter.suppressed(finding_at(dir / "missing.cpp", 1)));
  EXPECT_FALSE(filter.suppressed(finding_at(file, 99)));
}

TEST(CliUnits, CommandLinesFromFilesAreCxx20) {
  auto jobs = jobs_from_files({"a.cpp", "./a.cpp", "b.cpp"}, {"-DX"});
  ASSERT_EQ(jobs.jobs.size(), 2U);  // the same file twice is analyzed once
  const auto& argv = jobs.jobs[0].argv;
  EXPECT_THAT(argv, testing::Contains("-std=c++20"));
  EXPECT_THAT(argv, testing::Contains("-DX"));
  EXPECT_EQ(argv.back(), jobs.jobs[0].file);
  EXPECT_TRUE(jobs.jobs[0].file.starts_with("/"));
}

TEST(CliUnits, DatabaseCommandsAreRewrittenToWriteNothing) {
  cli_test::scratch_dir dir;
  dir.file("src/a.cpp", "int a;\n");
  nlohmann::json db = nlohmann::json::array();
  db.push_back({{"directory", dir / "build"},
                {"file", "../src/a.cpp"},
                {"command", "g++ -I../inc -isystem ../sys -MD -MF a.d -o a.o -c ../src/a.cpp"}});
  dir.file("build/compile_commands.json", db.dump());
  auto jobs = jobs_from_database(dir / "build", {}, {"-DEXTRA"});
  ASSERT_EQ(jobs.jobs.size(), 1U) << (jobs.errors.empty() ? "" : jobs.errors[0]);
  const auto& argv = jobs.jobs[0].argv;
  EXPECT_EQ(jobs.jobs[0].file, dir / "src/a.cpp");
  for (const char* dropped : {"-MD", "-MF", "a.d", "-o", "a.o", "-c"})
    EXPECT_THAT(argv, testing::Not(testing::Contains(dropped)));
  EXPECT_THAT(argv, testing::Contains("-I" + dir / "inc"));
  EXPECT_THAT(argv, testing::Contains(dir / "sys"));
  EXPECT_THAT(argv, testing::Contains("-DEXTRA"));
  EXPECT_EQ(argv.back(), dir / "src/a.cpp");
}

TEST(CliUnits, OutputsEscapeInvalidUtf8) {
  std::vector<diagnostic> ds = {{"unprotected-write", {"/src/\xff.cpp", 3, 4}, "bad \xc3\x28 byte", {}}};
  output_context context{"/src", "/src", {}, {}};
  EXPECT_NO_THROW({
    auto j = nlohmann::json::parse(render_json(ds, context));
    EXPECT_EQ(j["line"], 3);
  });
  EXPECT_NO_THROW({
    auto s = nlohmann::json::parse(render_sarif(ds, {}, context));
    EXPECT_EQ(s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              "%FF.cpp");
  });
  EXPECT_EQ(render_text(ds, context),
            "\xff.cpp:3:4: warning: bad \xc3\x28 byte [concheck-unprotected-write]\n");
}

TEST(CliUnits, RelativePaths) {
  EXPECT_EQ(relative_if_under("/a/b/c.cpp", "/a"), "b/c.cpp");
  EXPECT_EQ(relative_if_under("/a/b/c.cpp", "/a/"), "b/c.cpp");
  EXPECT_EQ(relative_if_under("/ab/c.cpp", "/a"), "/ab/c.cpp");
  EXPECT_EQ(relative_if_under("/x/c.cpp", "/a"), "/x/c.cpp");
}

}  // namespace
}  // namespace concheck::analyzer
