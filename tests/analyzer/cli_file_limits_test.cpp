// --file-time-limit and --file-memory-limit: a source that includes
// /dev/zero makes libclang read and grow without end, so it hits any limit
// (no timing luck: it never finishes on its own). That file is stopped with
// a message naming it and the limit, every other file's findings are still
// printed, and the exit status is 2. Malformed values are usage errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;
using testing::Not;

struct endless_project {
  scratch_dir dir;
  std::string race = dir.file("race.cpp", counter_race());
  std::string endless = dir.file("endless.cpp", "#include \"/dev/zero\"\nint x;\n");
};

TEST(CliFileLimits, MemoryLimitStopsTheEndlessFileOnly) {
  endless_project p;
  for (const char* jobs : {"-j1", "-j2"}) {
    auto r = run_concheck(on_stubs({"analyze", jobs, "--file-memory-limit=64", p.race, p.endless}),
                          p.dir.path().string());
    EXPECT_EQ(r.signal, 0) << r.err;
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(p.endless +
                                 ": error: cannot analyze: stopped at the memory limit of 64 MiB per file "
                                 "(--file-memory-limit)"));
    EXPECT_THAT(r.err, Not(HasSubstr("race.cpp")));
    EXPECT_THAT(r.out, HasSubstr("race.cpp:7:"));  // the other file's finding is not lost
    EXPECT_THAT(r.out, HasSubstr("[concheck-unprotected-write]"));
  }
}

TEST(CliFileLimits, TimeLimitStopsTheEndlessFile) {
  endless_project p;
  // No memory limit: only the time limit can stop it.
  auto r =
      run_concheck(on_stubs({"analyze", "--file-time-limit=1", "--file-memory-limit=0", p.race, p.endless}),
                   p.dir.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr(p.endless + ": error: cannot analyze: stopped after the time limit of 1 s per file "
                                    "(--file-time-limit)"));
  EXPECT_THAT(r.out, HasSubstr("race.cpp:7:"));
}

TEST(CliFileLimits, SarifNamesTheStoppedFile) {
  endless_project p;
  auto r = run_concheck(on_stubs({"analyze", "--format=sarif", "--file-memory-limit=64", p.race, p.endless}),
                        p.dir.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.out, HasSubstr("stopped at the memory limit of 64 MiB"));
  EXPECT_THAT(r.out, HasSubstr("\"ruleId\": \"unprotected-write\""));
}

// Negative: ordinary files under the limits, and with the limits off (the
// parse then runs in concheck's own process), give their usual verdicts.
TEST(CliFileLimits, OrdinaryFilesAreUnaffected) {
  scratch_dir dir;
  std::string race = dir.file("race.cpp", counter_race());
  std::string fixed =
      dir.file("fixed.cpp", renamed(renamed(counter_fixed(), "main", "fixed_main"), "counter", "c2"));
  for (std::vector<std::string> limits :
       {std::vector<std::string>{"--file-time-limit=30", "--file-memory-limit=512"},
        std::vector<std::string>{"--file-time-limit=0", "--file-memory-limit=0"}}) {
    std::vector<std::string> args = {"analyze", "-j2"};
    args.insert(args.end(), limits.begin(), limits.end());
    args.insert(args.end(), {race, fixed});
    auto r = run_concheck(on_stubs(args), dir.path().string());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_THAT(r.out, HasSubstr("race.cpp:7:"));
    EXPECT_THAT(r.out, Not(HasSubstr("fixed.cpp")));
  }
}

TEST(CliFileLimits, MalformedValuesAreUsageErrors) {
  scratch_dir dir;
  std::string race = dir.file("race.cpp", counter_race());
  struct bad {
    const char* arg;
    const char* message;
  };
  for (const bad& b : {bad{"--file-time-limit=abc",
                           "--file-time-limit needs a number of seconds from 0 to 86400, not 'abc'"},
                       bad{"--file-time-limit=-1", "not '-1'"}, bad{"--file-time-limit=99999", "not '99999'"},
                       bad{"--file-memory-limit=4G",
                           "--file-memory-limit needs a number of MiB from 0 to "
                           "16777216, not '4G'"},
                       bad{"--file-memory-limit=", "not ''"}}) {
    auto r = run_concheck(on_stubs({"analyze", b.arg, race}));
    EXPECT_EQ(r.exit_code, 2) << b.arg;
    EXPECT_THAT(r.err, HasSubstr(b.message)) << b.arg;
    EXPECT_EQ(r.out, "") << b.arg;
  }
  auto r = run_concheck({"analyze", "--file-time-limit"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("needs a value (SECONDS)"));
}

// The children's temporary files (libclang's preamble files, which a child
// never deletes itself: it ends without disposing of its AST, or is killed)
// are removed with their private folder: $TMPDIR is left as it was.
TEST(CliFileLimits, NothingIsLeftInTmpdir) {
  endless_project p;
  std::string tmp = p.dir / "tmp";
  fs::create_directories(tmp);
  std::string header = p.dir.file("shared.hpp", "#pragma once\n#include <mutex>\n");
  std::string user =
      p.dir.file("user.cpp", "#include \"shared.hpp\"\n" + renamed(counter_race(), "counter", "c3"));
  concheck::test::child_options options;
  options.env = {"TMPDIR=" + tmp};
  options.timeout = std::chrono::seconds(180);
  auto r = concheck::test::run_child(
      on_stubs({CONCHECK_CLI_PATH, "analyze", "--file-memory-limit=64", p.race, user, p.endless}), options);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("memory limit"));
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(tmp)) left.push_back(entry.path().filename().string());
  EXPECT_TRUE(left.empty()) << left.size() << " left, first: " << left.front();
}

TEST(CliFileLimits, HelpListsTheLimits) {
  auto r = run_concheck({"analyze", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--file-time-limit SECONDS"));
  EXPECT_THAT(r.out, HasSubstr("--file-memory-limit MIB"));
}

}  // namespace
}  // namespace concheck::cli_test
