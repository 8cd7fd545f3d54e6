// source_paths.hpp: a relative source path from debug information is found
// from the module's directory up, whichever directory the compiler ran in.
#include "source_paths.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using concheck::detail::find_relative_source;

// <tmp>/src/lib/x.cpp and an empty build tree <tmp>/build/tests/bin.
class source_paths_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/concheck-source-paths-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "src/lib");
    fs::create_directories(root_ / "build/tests/bin");
    std::ofstream(root_ / "src/lib/x.cpp") << "int x;\n";
    module_ = (root_ / "build/tests/bin/program").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  std::string module_;
};

TEST_F(source_paths_test, APathRelativeToTheBuildRootIsFound) {
  // ninja compiles in the build root: "../src/lib/x.cpp" from <tmp>/build.
  EXPECT_EQ(find_relative_source("../src/lib/x.cpp", module_), (root_ / "build/../src/lib/x.cpp").string());
}

TEST_F(source_paths_test, APathRelativeToTheModulesDirectoryIsFound) {
  // make compiles in the target's directory: "../../../src/lib/x.cpp".
  EXPECT_EQ(find_relative_source("../../../src/lib/x.cpp", module_),
            (root_ / "build/tests/bin/../../../src/lib/x.cpp").string());
}

TEST_F(source_paths_test, TheNearestDirectoryWins) {
  fs::create_directories(root_ / "build/tests/src/lib");
  std::ofstream(root_ / "build/tests/src/lib/x.cpp") << "int near;\n";
  EXPECT_EQ(find_relative_source("../src/lib/x.cpp", module_),
            (root_ / "build/tests/bin/../src/lib/x.cpp").string());
}

TEST_F(source_paths_test, MissingAbsoluteAndEmptyPathsGiveNothing) {
  EXPECT_EQ(find_relative_source("../src/lib/missing.cpp", module_), "");
  EXPECT_EQ(find_relative_source((root_ / "src/lib/x.cpp").string(), module_), "");
  EXPECT_EQ(find_relative_source("", module_), "");
  // A directory of that name is not a source file.
  EXPECT_EQ(find_relative_source("../src/lib", module_), "");
  // A module with no directory (a bare name) leaves only the working directory.
  EXPECT_EQ(find_relative_source("../src/lib/x.cpp", "program"), "");
}

TEST_F(source_paths_test, TheWorkingDirectoryIsTriedLast) {
  const fs::path before = fs::current_path();
  fs::current_path(root_ / "build");
  EXPECT_EQ(find_relative_source("../src/lib/x.cpp", "/nonexistent/dir/program"), "../src/lib/x.cpp");
  fs::current_path(before);
}

TEST_F(source_paths_test, TheWalkStopsAfterItsLimit) {
  fs::path deep = root_ / "build";
  for (int i = 0; i < concheck::detail::kMaxSourceAncestors + 2; ++i) deep /= "d";
  fs::create_directories(deep);
  const std::string module = (deep / "program").string();
  // <tmp>/build is kMaxSourceAncestors + 2 levels above the module's directory.
  EXPECT_EQ(find_relative_source("../src/lib/x.cpp", module), "");
}

}  // namespace
