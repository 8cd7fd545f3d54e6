// Instrumented code in shared libraries of the program (race_libraries_main.cpp):
// one library linked at start, one loaded with dlopen(), each with a race on a
// global of its own. With the shared runtime the libraries bind to
// libconcheck.so's hooks; with the static runtime to the executable's, which
// it exports (runtime/CMakeLists.txt, the dynamic list). Either way both
// races are reported once, at the libraries' own lines, on their globals.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "child_process.hpp"
#include "concheck/detector/log_records.hpp"

namespace {

using concheck::detector::finding;
using concheck::detector::finding_kind;

struct libraries_run {
  std::vector<finding> races;
  std::string out;
  std::string err;
  int exit_code = -1;
};

libraries_run run_libraries(const char* program) {
  const auto child = concheck::test::run_child({program, CONCHECK_RACE_DLOPENED_LIBRARY},
                                               concheck::test::with_env({"CONCHECK_OPTIONS=format=json"}));
  libraries_run result{{}, child.out, child.err, child.exit_code};
  for (const std::string& line : concheck::test::json_lines(child.err)) {
    auto parsed = concheck::detector::parse_log_record(line);
    EXPECT_TRUE(parsed) << parsed.error << "\n" << line;
    if (!parsed) continue;
    if (const auto* f = std::get_if<finding>(&*parsed.value);
        f != nullptr && f->kind == finding_kind::data_race)
      result.races.push_back(*f);
  }
  return result;
}

// The race on `variable`, both of its accesses at lines of `file`.
void expect_race_in(const libraries_run& run, const std::string& file, const std::string& variable) {
  SCOPED_TRACE(variable);
  int found = 0;
  for (const finding& race : run.races) {
    if (race.memory.name != variable) continue;
    ++found;
    EXPECT_EQ(race.memory.kind, "global") << run.err;
    ASSERT_EQ(race.sites.size(), 2u) << run.err;
    for (const auto& site : race.sites) {
      EXPECT_NE(site.file.find(file), std::string::npos) << run.err;
      EXPECT_GT(site.line, 0) << run.err;
    }
  }
  EXPECT_EQ(found, 1) << run.err;
}

void expect_both_libraries_checked(const char* program) {
  const libraries_run run = run_libraries(program);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("race_libraries: done"), std::string::npos) << run.out;
  EXPECT_EQ(run.races.size(), 2u) << run.err;
  expect_race_in(run, "race_library_linked.cpp", "linked_library_hits");
  expect_race_in(run, "race_library_dlopened.cpp", "dlopened_library_hits");
}

TEST(RaceSharedLibraries, LinkedAndDlopenedLibrariesAreCheckedWithTheSharedRuntime) {
  expect_both_libraries_checked(CONCHECK_RACE_LIBRARIES_SHARED);
}

// Fails without the executable's dynamic list (the dlopen() finds no
// __tsan_read2: "undefined symbol", exit status 3) and without the link
// options that pull in every hook object (no __tsan_atomic32_fetch_add).
TEST(RaceSharedLibraries, LinkedAndDlopenedLibrariesAreCheckedWithTheStaticRuntime) {
  expect_both_libraries_checked(CONCHECK_RACE_LIBRARIES_STATIC);
}

}  // namespace
