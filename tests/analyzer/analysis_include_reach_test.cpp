// The per-file choice of a whole parse by what a TU reaches
// (include_reach.hpp): the walk through project and system headers, which
// system headers count, and the budget.
#include <gtest/gtest.h>

#include <string>

#include "cli_test_support.hpp"
#include "include_reach.hpp"

namespace {

using concheck::analyzer::compile_job;
using concheck::analyzer::include_reach_scanner;
using concheck::analyzer::parse_whole_by_size;
using concheck::cli_test::scratch_dir;

compile_job reach_job_of(const scratch_dir& dir, const std::string& file, std::vector<std::string> flags) {
  compile_job job{file, dir.path().string(), {"clang++"}};
  job.argv.insert(job.argv.end(), flags.begin(), flags.end());
  job.argv.push_back(file);
  return job;
}

// `n` bytes of function body: "{" then n - 1 spaces, then "}".
std::string body_of(std::size_t n) {
  return "inline void f" + std::to_string(n) + "() {" + std::string(n - 1, ' ') + "}\n";
}

TEST(IncludeReach, FollowsProjectAndLibraryHeadersButNotTheCLibrarysOrMainFiles) {
  scratch_dir dir;
  // Project headers, one reached only through another, one through a main file.
  dir.file("inc/a.hpp", "#include \"b.hpp\"\n" + body_of(100));
  dir.file("inc/b.hpp", "#include <lib/l.hpp>\n" + body_of(10));
  dir.file("inc/only_from_main.hpp", body_of(1000));
  std::string other_main = dir.file("src/other.cpp", "#include \"only_from_main.hpp\"\n");
  // A system folder: a library in a folder of its own, the C library's files.
  dir.file("sys/lib/l.hpp", "#include <stdio.h>\n#include <sys/types.h>\n" + body_of(40));
  dir.file("sys/stdio.h", body_of(5000));
  dir.file("sys/sys/types.h", body_of(7000));
  std::string file = dir.file("src/main.cpp",
                              "#include \"a.hpp\"\n#include \"b.hpp\"\n#include \"other.cpp\"\n"
                              "#include <vector>\n#include \"missing.hpp\"\n");
  include_reach_scanner scanner({dir / "sys"}, 1 << 20);
  auto reach = scanner.reach_of(reach_job_of(dir, file, {"-I", dir / "inc"}),
                                {std::filesystem::canonical(other_main).string()}, 1 << 20);
  EXPECT_EQ(reach.body_bytes, 150U);  // a, b (once), l; not stdio.h, sys/types.h, only_from_main.hpp
  EXPECT_GT(reach.project_bytes, 110U);
  EXPECT_GT(reach.library_bytes, 40U);
  EXPECT_TRUE(reach.within_budget);
  EXPECT_TRUE(parse_whole_by_size(reach));
  // -isystem folders are system folders too.
  include_reach_scanner no_defaults({}, 1 << 20);
  auto with_isystem =
      no_defaults.reach_of(reach_job_of(dir, file, {"-I", dir / "inc", "-isystem", dir / "sys"}),
                           {std::filesystem::canonical(other_main).string()}, 1 << 20);
  EXPECT_EQ(with_isystem.body_bytes, 150U);
  EXPECT_GT(with_isystem.library_bytes, 40U);
}

TEST(IncludeReach, StopsOverTheBudget) {
  scratch_dir dir;
  dir.file("inc/big.hpp", body_of(300));
  dir.file("inc/small.hpp", body_of(20));
  std::string big = dir.file("src/big.cpp", "#include \"small.hpp\"\n#include \"big.hpp\"\n");
  std::string small = dir.file("src/small.cpp", "#include \"small.hpp\"\n");
  include_reach_scanner scanner({}, 200);
  auto over = scanner.reach_of(reach_job_of(dir, big, {"-I", dir / "inc"}), {}, 1 << 20);
  EXPECT_FALSE(over.within_budget);
  EXPECT_FALSE(parse_whole_by_size(over));
  EXPECT_TRUE(parse_whole_by_size(scanner.reach_of(reach_job_of(dir, small, {"-Iinc"}), {}, 1 << 20)));
  // A main file over the size limit reaches nothing (nothing is read from it).
  EXPECT_EQ(scanner.reach_of(reach_job_of(dir, big, {"-I", dir / "inc"}), {}, 4).body_bytes, 0U);
}

}  // namespace

namespace {

// The library headers a main file names itself, for its PCH (pch_libraries.hpp):
// angled or quoted names found in a library folder below a system folder, as
// written, in order; not project headers, not the C library's, not what a
// header includes.
TEST(IncludeReach, DirectLibrariesAreTheMainFilesOwnLibraryIncludes) {
  scratch_dir dir;
  dir.file("inc/a.hpp", "#include <lib/indirect.hpp>\n");
  dir.file("inc/proj/p.hpp", "");
  dir.file("sys/lib/l.hpp", "");
  dir.file("sys/lib/indirect.hpp", "");
  dir.file("sys/other/o.hpp", "");
  dir.file("sys/stdio.h", "");
  dir.file("sys/sys/types.h", "");
  std::string file =
      dir.file("src/main.cpp",
               "#define X 1\n#include <other/o.hpp>\n#include \"a.hpp\"\n#include <proj/p.hpp>\n"
               "#include \"lib/l.hpp\"\n#include <stdio.h>\n#include <sys/types.h>\n"
               "#include <other/o.hpp>\n#include <missing/m.hpp>\n");
  include_reach_scanner scanner({}, 1 << 20);
  auto libraries = scanner.direct_libraries_of(
      reach_job_of(dir, file, {"-I", dir / "inc", "-isystem", dir / "sys"}), 1 << 20);
  EXPECT_EQ(libraries, (std::vector<std::string>{"other/o.hpp", "lib/l.hpp"}));
}

}  // namespace
