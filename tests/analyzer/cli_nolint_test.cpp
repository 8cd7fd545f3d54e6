// Suppression comments, as clang-tidy users write them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

int exit_code_for(const std::string& comment_on_write, const std::string& line_before = "") {
  scratch_dir dir;
  auto r =
      run_concheck(on_stubs({"analyze", dir.file("race.cpp", counter_race(comment_on_write, line_before))}));
  EXPECT_NE(r.exit_code, 2) << r.err;
  return r.exit_code;
}

TEST(CliNolint, UnsuppressedFindingIsReported) {
  EXPECT_EQ(exit_code_for(""), 1);
}

TEST(CliNolint, NolintWithTheRuleSuppresses) {
  EXPECT_EQ(exit_code_for("  // NOLINT(concheck-unprotected-write)"), 0);
}

TEST(CliNolint, BareNolintSuppressesEverything) {
  EXPECT_EQ(exit_code_for("  // NOLINT"), 0);
}

TEST(CliNolint, GlobsAndListsSuppress) {
  EXPECT_EQ(exit_code_for("  // NOLINT(concheck-*)"), 0);
  EXPECT_EQ(exit_code_for("  // NOLINT(bugprone-foo, concheck-unprotected-write)"), 0);
}

TEST(CliNolint, OtherRulesDoNotSuppress) {
  EXPECT_EQ(exit_code_for("  // NOLINT(concheck-lock-order-inversion)"), 1);
  EXPECT_EQ(exit_code_for("  // NOLINT(bugprone-*)"), 1);
  EXPECT_EQ(exit_code_for("  // NOLINTNEXTLINE(concheck-unprotected-write)"), 1);  // names the next line
}

TEST(CliNolint, NolintNextLineOnTheLineBefore) {
  EXPECT_EQ(exit_code_for("", "// NOLINTNEXTLINE(concheck-unprotected-write)"), 0);
  EXPECT_EQ(exit_code_for("", "// NOLINTNEXTLINE"), 0);
  EXPECT_EQ(exit_code_for("", "// NOLINT(concheck-unprotected-write)"), 1);  // NOLINT is for its own line
}

TEST(CliNolint, NolintBeginEndRegions) {
  EXPECT_EQ(exit_code_for("  // NOLINTEND(concheck-unprotected-write)",
                          "// NOLINTBEGIN(concheck-unprotected-write)"),
            0);
}

}  // namespace
}  // namespace concheck::cli_test
