// A library header that most files of a flag set reach through a project
// header joins their precompiled header (pch_libraries.hpp, thrift's
// `boost/numeric/conversion/cast.hpp`), and the output stays that of parses
// without a PCH.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

// Four files include inc/uses_testlib.hpp, a project header that includes
// the library header system/testlib/check.hpp, each with its own race on its
// own counter; a fifth file includes neither. Four of five is over the two
// thirds of the flag set a reached header needs.
std::vector<std::string> reaching_files(scratch_dir& dir, std::vector<std::string> options) {
  dir.file("system/testlib/check.hpp",
           "#pragma once\nnamespace testlib { void check(bool ok); }\n#define TESTLIB_CHECK(x) "
           "testlib::check(x)\n");
  dir.file("inc/uses_testlib.hpp",
           "#pragma once\n#include <testlib/check.hpp>\ninline void checked() { TESTLIB_CHECK(true); }\n");
  for (const std::string name : {"one", "two", "three", "four"})
    options.push_back(dir.file(
        "src/" + name + ".cpp",
        "#include \"uses_testlib.hpp\"\n" +
            renamed(renamed(renamed(counter_race(), "counter", name + "_counter"), "_increment", "_" + name),
                    "int main() {", "int " + name + "_main() { checked();")));
  options.push_back(dir.file(
      "src/five.cpp", renamed(renamed(counter_fixed(), "counter", "five_counter"), "main", "five_main")));
  options.insert(options.end(), {"--", "-I", dir / "inc", "-isystem", dir / "system"});
  return on_stubs(options);
}

TEST(CliPchReachedLibraries, LibraryHeaderReachedByMostFilesJoinsThePrecompiledHeader) {
  scratch_dir dir;
  auto with = run_concheck(reaching_files(dir, {"analyze", "--stats", "-j2"}));
  auto without = run_concheck(reaching_files(dir, {"analyze", "--no-pch", "-j2"}));
  EXPECT_EQ(with.exit_code, 1) << with.err;
  EXPECT_EQ(with.out, without.out);
  for (const char* name : {"one.cpp", "two.cpp", "three.cpp", "four.cpp"})
    EXPECT_THAT(with.out, testing::HasSubstr(name));
  // One PCH with the library for one.cpp to four.cpp; five.cpp, alone with
  // the standard headers, is not worth a PCH of its own.
  EXPECT_THAT(with.err, testing::HasSubstr("1 of the precompiled headers also hold library headers"));
  EXPECT_THAT(with.err, testing::HasSubstr("1 precompiled headers built, 4 files parsed with one;"));
}

}  // namespace
}  // namespace concheck::cli_test
