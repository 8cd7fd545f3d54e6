// `concheck` exit codes, subcommands and usage errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;

TEST(CliExitCodes, CleanFileExitsZeroWithNoOutput) {
  scratch_dir dir;
  auto r = run_concheck(on_stubs({"analyze", dir.file("fixed.cpp", counter_fixed())}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

// On the real standard headers, as users run it (the other tests use the stubs).
TEST(CliExitCodes, FindingExitsOne) {
  scratch_dir dir;
  auto r = run_concheck({"analyze", dir.file("race.cpp", counter_race())});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("race.cpp:7:"));
  EXPECT_THAT(r.out, HasSubstr("[concheck-unprotected-write]"));
}

TEST(CliExitCodes, NoSubcommandMeansAnalyze) {
  scratch_dir dir;
  std::string file = dir.file("race.cpp", counter_race());
  auto with = run_concheck(on_stubs({"analyze", file}));
  auto without = run_concheck(on_stubs({file}));
  EXPECT_EQ(without.exit_code, with.exit_code);
  EXPECT_EQ(without.out, with.out);
  EXPECT_EQ(without.exit_code, 1);
}

TEST(CliExitCodes, UnreadableFileAmongGoodOnesExitsTwoButStillReports) {
  scratch_dir dir;
  std::string race = dir.file("race.cpp", counter_race());
  auto r = run_concheck(on_stubs({"analyze", race, dir / "missing.cpp"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing.cpp"));
  EXPECT_THAT(r.out, HasSubstr("race.cpp:7:"));
}

TEST(CliExitCodes, UsageErrorsExitTwoWithAMessage) {
  auto none = run_concheck({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("usage"));

  auto no_files = run_concheck({"analyze"});
  EXPECT_EQ(no_files.exit_code, 2);
  EXPECT_THAT(no_files.err, HasSubstr("no input files"));

  auto bad_option = run_concheck({"analyze", "--frobnicate", "x.cpp"});
  EXPECT_EQ(bad_option.exit_code, 2);
  EXPECT_THAT(bad_option.err, HasSubstr("--frobnicate"));

  auto bad_format = run_concheck({"analyze", "--format", "xml", "x.cpp"});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_THAT(bad_format.err, HasSubstr("xml"));

  auto bad_jobs = run_concheck({"analyze", "-j", "zero", "x.cpp"});
  EXPECT_EQ(bad_jobs.exit_code, 2);
  EXPECT_THAT(bad_jobs.err, HasSubstr("-j"));

  auto missing_value = run_concheck({"analyze", "-p"});
  EXPECT_EQ(missing_value.exit_code, 2);
  EXPECT_THAT(missing_value.err, HasSubstr("needs a value"));

  auto typo = run_concheck({"anlyze"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("unknown command 'anlyze'"));
}

TEST(CliExitCodes, HelpVersionAndRun) {
  auto help = run_concheck({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("analyze"));
  auto analyze_help = run_concheck({"analyze", "--help"});
  EXPECT_EQ(analyze_help.exit_code, 0);
  EXPECT_THAT(analyze_help.out, HasSubstr("--format"));
  EXPECT_THAT(analyze_help.out, HasSubstr("NOLINT"));
  auto version = run_concheck({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, testing::StartsWith("concheck "));
  EXPECT_THAT(version.out, HasSubstr("clang version 19"));
  auto run = run_concheck({"run"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("no program to run"));
}

TEST(CliExitCodes, ChecksDisableAndEnableRules) {
  scratch_dir dir;
  std::string race = dir.file("race.cpp", counter_race());
  auto disabled = run_concheck(on_stubs({"analyze", "--checks=-unprotected-write", race}));
  EXPECT_EQ(disabled.exit_code, 0) << disabled.err;
  EXPECT_EQ(disabled.out, "");
  auto all_off = run_concheck(on_stubs({"analyze", "--checks=-*", race}));
  EXPECT_EQ(all_off.exit_code, 0) << all_off.err;
  auto back_on = run_concheck(on_stubs({"analyze", "--checks=-*,concheck-unprotected-write", race}));
  EXPECT_EQ(back_on.exit_code, 1) << back_on.err;
  auto other_off = run_concheck(on_stubs({"analyze", "--checks=-lock-order-inversion", race}));
  EXPECT_EQ(other_off.exit_code, 1) << other_off.err;
  auto unknown = run_concheck(on_stubs({"analyze", "--checks=-no-such-rule", race}));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no-such-rule"));
  auto list = run_concheck({"analyze", "--list-checks"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_THAT(list.out, HasSubstr("concheck-unprotected-write"));
  EXPECT_THAT(list.out, HasSubstr("concheck-lock-order-inversion"));
}

TEST(CliExitCodes, DisabledRulesStillRefuseBrokenFiles) {
  // Even with every rule off, a file that does not parse is an error.
  auto r = run_concheck(on_stubs({"analyze", "--checks=-*", CONCHECK_CLI_INPUTS_DIR "/syntax_error.cpp"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("syntax_error.cpp"));
}

}  // namespace
}  // namespace concheck::cli_test
