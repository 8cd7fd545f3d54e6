// A library header that several files include joins their precompiled header
// (pch_libraries.hpp), and the output stays that of parses without a PCH.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

// system/testlib/check.hpp, a library header (a folder of its own below a
// system folder); with `needs_config`, it refuses to build unless its
// includer defined TESTLIB_CONFIG first, which a PCH that holds it never has.
void write_library(scratch_dir& dir, bool needs_config) {
  dir.file("system/testlib/check.hpp",
           std::string("#pragma once\n") +
               (needs_config ? "#ifndef TESTLIB_CONFIG\n#error define TESTLIB_CONFIG first\n#endif\n" : "") +
               "namespace testlib { void check(bool ok); }\n"
               "#define TESTLIB_CHECK(x) testlib::check(x)\n");
}

// Three files including the library, each with its own race on its own
// counter (counter_race() renamed), and two files that do not include it.
std::vector<std::string> library_users(scratch_dir& dir, std::vector<std::string> options) {
  const std::string prefix = "#define TESTLIB_CONFIG 1\n#include <testlib/check.hpp>\n";
  for (const std::string name : {"one", "two", "three"})
    options.push_back(dir.file(
        "src/" + name + ".cpp",
        prefix +
            renamed(renamed(renamed(counter_race(), "counter", name + "_counter"), "_increment", "_" + name),
                    "int main() {", "int " + name + "_main() { TESTLIB_CHECK(true);")));
  for (const std::string name : {"four", "five"})
    options.push_back(
        dir.file("src/" + name + ".cpp",
                 renamed(renamed(counter_fixed(), "counter", name + "_counter"), "main", name + "_main")));
  options.insert(options.end(), {"--", "-isystem", dir / "system"});
  return on_stubs(options);
}

TEST(CliPchLibraries, CommonLibraryHeaderJoinsThePrecompiledHeader) {
  scratch_dir dir;
  write_library(dir, false);
  auto with = run_concheck(library_users(dir, {"analyze", "--stats", "-j2"}));
  auto without = run_concheck(library_users(dir, {"analyze", "--no-pch", "-j2"}));
  EXPECT_EQ(with.exit_code, 1) << with.err;
  EXPECT_EQ(with.out, without.out);
  for (const char* name : {"one.cpp", "two.cpp", "three.cpp"})
    EXPECT_THAT(with.out, testing::HasSubstr(name));
  // One PCH with the library for one.cpp to three.cpp, one of the standard
  // headers alone for four.cpp and five.cpp.
  EXPECT_THAT(with.err, testing::HasSubstr("1 of the precompiled headers also hold library headers"));
  EXPECT_THAT(with.err, testing::HasSubstr("2 precompiled headers built, 5 files parsed with one;"));
}

// A library header that does not build in a PCH (it needs its includer's
// macro) costs its files only the library: they use the standard headers' PCH.
TEST(CliPchLibraries, LibraryHeaderThatDoesNotBuildLeavesTheStandardPch) {
  scratch_dir dir;
  write_library(dir, true);
  auto with = run_concheck(library_users(dir, {"analyze", "--stats", "-j2"}));
  auto without = run_concheck(library_users(dir, {"analyze", "--no-pch", "-j2"}));
  EXPECT_EQ(with.exit_code, 1) << with.err;
  EXPECT_EQ(with.out, without.out);
  EXPECT_THAT(with.err, testing::Not(testing::HasSubstr("also hold library headers")));
  EXPECT_THAT(with.err, testing::HasSubstr("1 precompiled headers built, 5 files parsed with one;"));
}

}  // namespace
}  // namespace concheck::cli_test
