// The per-file choice of a whole parse (include_scan.hpp): the text scan of
// quoted includes, their counts, and the choice itself.
#include <gtest/gtest.h>

#include "cli_test_support.hpp"
#include "include_scan.hpp"

namespace {

using concheck::analyzer::compile_job;
using concheck::analyzer::count_includes;
using concheck::analyzer::header_registry;
using concheck::analyzer::parse_whole_by_choice;
using concheck::analyzer::quoted_includes_of;
using concheck::cli_test::scratch_dir;

std::string canonical(const std::string& path) {
  return std::filesystem::canonical(path).string();
}

compile_job job_of(const scratch_dir& dir, const std::string& file, std::vector<std::string> flags) {
  compile_job job{file, dir.path().string(), {"clang++"}};
  job.argv.insert(job.argv.end(), flags.begin(), flags.end());
  job.argv.push_back(file);
  return job;
}

TEST(IncludeScan, ResolvesQuotedIncludesAgainstTheFileThenIquoteThenI) {
  scratch_dir dir;
  std::string near = dir.file("src/near.hpp", "");
  std::string quoted = dir.file("quoted/q.hpp", "");
  std::string shadowed = dir.file("inc/near.hpp", "");  // the file's own folder wins
  std::string deep = dir.file("inc/sub/deep.hpp", "");
  std::string other_main = dir.file("src/other.cpp", "");
  std::string file = dir.file("src/main.cpp",
                              "#include \"near.hpp\"\n"
                              "  #  include \"q.hpp\"\n"
                              "#include <vector>\n"
                              "#include \"sub/deep.hpp\"\n"
                              "#include \"missing.hpp\"\n"
                              "#include \"near.hpp\"\n"
                              "#include \"other.cpp\"\n"
                              "#include <sub/deep.hpp>\n"  // angled: the -I folders only
                              "#include <near.hpp>\n"
                              "// #include is only text here\n");
  auto job = job_of(dir, file, {"-I", dir / "inc", "-iquote" + dir / "quoted"});
  auto found = quoted_includes_of(job, {canonical(other_main)}, 1 << 20);
  std::vector<std::string> expected = {canonical(near), canonical(quoted), canonical(deep),
                                       canonical(shadowed)};
  EXPECT_EQ(found, expected);
}

TEST(IncludeScan, RelativeIncludeFoldersResolveAgainstTheJobsDirectory) {
  scratch_dir dir;
  std::string header = dir.file("inc/h.hpp", "");
  std::string file = dir.file("src/main.cpp", "#include \"h.hpp\"\n");
  auto found = quoted_includes_of(job_of(dir, file, {"-Iinc"}), {}, 1 << 20);
  EXPECT_TRUE(quoted_includes_of(job_of(dir, file, {"-Iinc"}), {}, 4).empty());  // larger than the limit
  EXPECT_EQ(found, std::vector<std::string>{canonical(header)});
}

TEST(IncludeScan, CountsAndTheChoiceOfAWholeParse) {
  auto counts = count_includes({{"/p/shared.h", "/p/own_a.h", "/p/pair.h"},
                                {"/p/shared.h", "/p/pair.h"},
                                {"/p/shared.h"},
                                {"/p/own_c.h"}});
  EXPECT_EQ(counts.at("/p/shared.h"), 3U);
  EXPECT_EQ(counts.at("/p/pair.h"), 2U);
  EXPECT_EQ(counts.at("/p/own_a.h"), 1U);
  header_registry covered;
  // Headers of its own, or of two files at most: whole. A header of three not covered yet: as before.
  EXPECT_TRUE(parse_whole_by_choice({"/p/own_c.h"}, counts, covered));
  EXPECT_TRUE(parse_whole_by_choice({"/p/pair.h", "/p/own_a.h"}, counts, covered));
  EXPECT_FALSE(parse_whole_by_choice({"/p/shared.h", "/p/own_a.h"}, counts, covered));
  EXPECT_FALSE(parse_whole_by_choice({}, counts, covered));  // nothing to cover: bodies skipped
  covered.claim({"/p/shared.h"});
  EXPECT_TRUE(covered.covers("/p/shared.h"));
  EXPECT_TRUE(parse_whole_by_choice({"/p/shared.h", "/p/own_a.h"}, counts, covered));
  EXPECT_FALSE(parse_whole_by_choice({"/p/shared.h"}, counts, covered));  // all covered
}

}  // namespace
