// Which library headers join a TU's precompiled header (pch_libraries.hpp):
// only common ones, only those the TU includes itself, and only in groups
// large enough to pay for their PCH.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pch_libraries.hpp"

namespace {

using concheck::analyzer::kPchLibraryMinFiles;
using concheck::analyzer::pch_libraries_per_job;
using headers = std::vector<std::string>;

static_assert(kPchLibraryMinFiles == 3, "the cases below count three includers");

TEST(PchLibraries, CommonHeadersTheFileIncludesItself) {
  // Four files of one flag set: test.hpp is common (3), rare.hpp is not (1);
  // the file without test.hpp gets nothing it did not include.
  std::vector<std::string> flags(4, "flags");
  std::vector<headers> libraries = {{"rare.hpp", "test.hpp"}, {"test.hpp"}, {"test.hpp"}, {"other.hpp"}};
  auto chosen = pch_libraries_per_job(flags, libraries);
  EXPECT_EQ(chosen, (std::vector<headers>{{"test.hpp"}, {"test.hpp"}, {"test.hpp"}, {}}));
}

TEST(PchLibraries, CountsPerFlagSet) {
  // test.hpp has three includers over two flag sets, never three in one.
  std::vector<std::string> flags = {"a", "a", "b", "b"};
  std::vector<headers> libraries = {{"test.hpp"}, {"test.hpp"}, {"test.hpp"}, {}};
  auto chosen = pch_libraries_per_job(flags, libraries);
  EXPECT_EQ(chosen, (std::vector<headers>(4)));
}

TEST(PchLibraries, SmallGroupsDropTheirLeastCommonHeader) {
  // test.hpp in all five, fmt.hpp in three, thread.hpp in three. The two
  // files with all three headers are too few for a PCH of their own: they
  // drop thread.hpp (as common as fmt.hpp, last by name) and join the file
  // with test.hpp and fmt.hpp, three in all, each keeping its own order.
  // The file with test.hpp and thread.hpp drops thread.hpp next; with it,
  // two files hold test.hpp alone: too few, so they get none.
  std::vector<std::string> flags(5, "flags");
  std::vector<headers> libraries = {{"test.hpp", "fmt.hpp", "thread.hpp"},
                                    {"fmt.hpp", "thread.hpp", "test.hpp"},
                                    {"test.hpp", "fmt.hpp"},
                                    {"thread.hpp", "test.hpp"},
                                    {"test.hpp"}};
  auto chosen = pch_libraries_per_job(flags, libraries);
  EXPECT_EQ(chosen, (std::vector<headers>{
                        {"test.hpp", "fmt.hpp"}, {"fmt.hpp", "test.hpp"}, {"test.hpp", "fmt.hpp"}, {}, {}}));
}

TEST(PchLibraries, FilesDroppingAHeaderJoinASmallerGroup) {
  // Two files with test.hpp and fmt.hpp, two with test.hpp alone: the first
  // two drop fmt.hpp and all four share a PCH of test.hpp.
  std::vector<std::string> flags(4, "flags");
  std::vector<headers> libraries = {
      {"fmt.hpp", "test.hpp"}, {"test.hpp", "fmt.hpp"}, {"test.hpp"}, {"test.hpp"}};
  flags.push_back("flags");
  libraries.push_back({"fmt.hpp"});  // fmt.hpp's third includer, so it is common
  auto chosen = pch_libraries_per_job(flags, libraries);
  EXPECT_EQ(chosen, (std::vector<headers>{{"test.hpp"}, {"test.hpp"}, {"test.hpp"}, {"test.hpp"}, {}}));
}

TEST(PchLibraries, TooFewFilesGetNone) {
  std::vector<std::string> flags(2, "flags");
  std::vector<headers> libraries = {{"test.hpp"}, {"test.hpp"}};
  EXPECT_EQ(pch_libraries_per_job(flags, libraries), (std::vector<headers>(2)));
}

}  // namespace
