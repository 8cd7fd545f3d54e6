// `concheck analyze -p BUILD_DIR [FILES...]` with a compile_commands.json.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;
using testing::Not;

// A small project: src/race.cpp (a finding) and src/fixed.cpp (none), both
// including include/shared.hpp through a relative -I, compiled from build/
// with GCC-only flags and dependency-file flags.
struct project {
  scratch_dir dir;
  project() {
    dir.file("include/shared.hpp", "#pragma once\n#include <mutex>\n");
    dir.file("src/race.cpp", "#include \"shared.hpp\"\n" + counter_race());
    dir.file("src/fixed.cpp",
             "#include \"shared.hpp\"\n" +
                 renamed(renamed(renamed(counter_fixed(), "main", "fixed_main"), "counter", "fixed_counter"),
                         "_increment", "_add"));
    nlohmann::json db = nlohmann::json::array();
    for (const char* name : {"race", "fixed"}) {
      db.push_back(
          {{"directory", dir / "build"},
           {"file", std::string("../src/") + name + ".cpp"},
           {"command", std::string("/usr/bin/g++ -std=gnu++20 -I../include -fno-canonical-system-headers "
                                   "-Wno-psabi -MD -MF ") +
                           name + ".d -o " + name + ".o -c ../src/" + name + ".cpp"}});
    }
    dir.file("build/compile_commands.json", db.dump(2));
  }
};

TEST(CliCompileDb, AnalyzesEveryEntryDespiteGccOnlyFlags) {
  project p;
  auto r = run_concheck(on_stubs({"analyze", "-p", p.dir / "build"}), p.dir.path().string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("src/race.cpp:8:"));  // counter_race's line 7, after the added #include
  EXPECT_THAT(r.out, Not(HasSubstr("fixed.cpp")));
  EXPECT_EQ(r.err, "");
  // Nothing was written next to the build: -MD/-MF/-o were dropped.
  EXPECT_FALSE(fs::exists(p.dir / "build/race.d"));
  EXPECT_FALSE(fs::exists(p.dir / "build/race.o"));
}

TEST(CliCompileDb, ArgumentsArrayFormWorksToo) {
  project p;
  nlohmann::json db = nlohmann::json::array();
  db.push_back({{"directory", p.dir / "build"},
                {"file", p.dir / "src/race.cpp"},
                {"arguments", {"c++", "-std=c++20", "-I", "../include", "-c", p.dir / "src/race.cpp"}}});
  p.dir.file("build/compile_commands.json", db.dump());
  auto r = run_concheck(on_stubs({"analyze", "-p", p.dir / "build"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("race.cpp:8:"));
}

TEST(CliCompileDb, FilesSelectEntries) {
  project p;
  auto only_fixed =
      run_concheck(on_stubs({"analyze", "-p", "build", "src/fixed.cpp"}), p.dir.path().string());
  EXPECT_EQ(only_fixed.exit_code, 0) << only_fixed.err;
  EXPECT_EQ(only_fixed.out, "");
  auto only_race = run_concheck(on_stubs({"analyze", "-p", p.dir / "build", p.dir / "src/race.cpp"}));
  EXPECT_EQ(only_race.exit_code, 1) << only_race.err;
}

TEST(CliCompileDb, FileWithoutEntryIsAnError) {
  project p;
  p.dir.file("src/other.cpp", "int main() {}\n");
  auto r = run_concheck(on_stubs({"analyze", "-p", "build", "src/other.cpp"}), p.dir.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("src/other.cpp"));
  EXPECT_THAT(r.err, HasSubstr("no entry"));
}

TEST(CliCompileDb, ExtraFlagsAfterDoubleDashApply) {
  project p;
  p.dir.file("src/race.cpp", "#include \"shared.hpp\"\n#ifndef NEEDED\n#error NEEDED not defined\n#endif\n");
  auto without = run_concheck(on_stubs({"analyze", "-p", p.dir / "build", p.dir / "src/race.cpp"}));
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_THAT(without.err, HasSubstr("NEEDED not defined"));
  auto with =
      run_concheck(on_stubs({"analyze", "-p", p.dir / "build", p.dir / "src/race.cpp", "--", "-DNEEDED"}));
  EXPECT_EQ(with.exit_code, 0) << with.err;
}

TEST(CliCompileDb, WithoutDatabaseFlagsComeAfterDoubleDash) {
  project p;
  auto missing_include = run_concheck(on_stubs({"analyze", p.dir / "src/race.cpp"}));
  EXPECT_EQ(missing_include.exit_code, 2);
  EXPECT_THAT(missing_include.err, HasSubstr("shared.hpp"));
  auto with_include =
      run_concheck(on_stubs({"analyze", p.dir / "src/race.cpp", "--", "-I" + p.dir / "include"}));
  EXPECT_EQ(with_include.exit_code, 1) << with_include.err;
}

}  // namespace
}  // namespace concheck::cli_test
