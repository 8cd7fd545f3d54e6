// `concheck analyze -p` over a compile_commands.json that covers several
// programs: each has its own `main` (one USR, "c:@F@main", in every file) and
// may reuse external names for distinct functions. Merging must keep each
// program's definitions, or the thread starts of all but one `main` are lost.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;

// Three programs a, b, c, each a counter race on its own global; `rename_functions`
// gives the thread functions distinct names too (only `main` is shared).
std::string three_programs(const scratch_dir& dir, bool rename_functions) {
  nlohmann::json db = nlohmann::json::array();
  for (std::string name : {"a", "b", "c"}) {
    std::string text = renamed(counter_race(), "counter", "counter_" + name);
    if (rename_functions) text = renamed(text, "_increment", "_increment_" + name);
    dir.file("src/" + name + ".cpp", text);
    db.push_back({{"directory", dir / "build"},
                  {"file", "../src/" + name + ".cpp"},
                  {"command", "c++ -std=c++20 -c ../src/" + name + ".cpp -o " + name + ".o"}});
  }
  return dir.file("build/compile_commands.json", db.dump(2));
}

TEST(CliMultiMain, EveryProgramsMainKeepsItsThreads) {
  scratch_dir dir;
  three_programs(dir, true);
  auto r = run_concheck(on_stubs({"analyze", "-j1", "-p", dir / "build"}), dir.path().string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("src/a.cpp:7:"));
  EXPECT_THAT(r.out, HasSubstr("src/b.cpp:7:"));
  EXPECT_THAT(r.out, HasSubstr("src/c.cpp:7:"));
}

// The same with `locked_increment`/`racy_increment` defined in all three
// programs: one USR, three different bodies, three races.
TEST(CliMultiMain, SameExternalNameInSeveralProgramsStaysDistinct) {
  scratch_dir dir;
  three_programs(dir, false);
  auto r = run_concheck(on_stubs({"analyze", "-j2", "-p", dir / "build"}), dir.path().string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("src/a.cpp:7:"));
  EXPECT_THAT(r.out, HasSubstr("src/b.cpp:7:"));
  EXPECT_THAT(r.out, HasSubstr("src/c.cpp:7:"));
  EXPECT_EQ(lines_of(r.out).size(),
            3U * lines_of(run_concheck(on_stubs({"analyze", dir / "src/a.cpp"})).out).size())
      << r.out;
}

// One file compiled twice (two entries, as for two executables sharing it)
// next to another program's `main`: its `main` is one function, one report.
TEST(CliMultiMain, FileCompiledTwiceCountsOnce) {
  scratch_dir dir;
  three_programs(dir, true);
  nlohmann::json db = nlohmann::json::parse(read_file(dir / "build/compile_commands.json"));
  nlohmann::json again = db[1];
  again["command"] = "c++ -std=c++20 -DSECOND_BUILD=1 -c ../src/b.cpp -o b2.o";
  db.push_back(again);
  dir.file("build/compile_commands.json", db.dump(2));
  auto r = run_concheck(on_stubs({"analyze", "-j2", "-p", dir / "build"}), dir.path().string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto lines = lines_of(r.out);
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& l) { return l.find("src/b.cpp:7:") == 0; }),
            1)
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("src/c.cpp:7:"));
}

}  // namespace
}  // namespace concheck::cli_test
