// bin/concheck links no libclang: `analyze` and `--version` run the helper
// <libexecdir>/concheck/concheck-analyze (cli/src/analyze_command.hpp), and a
// missing helper is a clear error.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "child_process.hpp"

namespace {

namespace fs = std::filesystem;
using concheck::test::run_child;
using concheck::test::with_env;

TEST(AnalyzeHelper, ConcheckItselfLoadsNoLibclang) {
  // The dynamic loader lists what it would load and stops (what ldd does).
  const auto listed = run_child({CONCHECK_BINARY, "--help"}, with_env({"LD_TRACE_LOADED_OBJECTS=1"}));
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("libfmt"), std::string::npos) << listed.out;  // the listing is there
  EXPECT_EQ(listed.out.find("libclang"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("libLLVM"), std::string::npos) << listed.out;
}

TEST(AnalyzeHelper, VersionAndAnalyzeGoThroughTheHelper) {
  const auto version = run_child({CONCHECK_BINARY, "--version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out.rfind("concheck ", 0), 0u) << version.out;
  EXPECT_NE(version.out.find("clang"), std::string::npos)
      << version.out;  // libclang's version, from the helper

  char pattern[] = "/tmp/concheck-analyze-helper-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  std::ofstream(dir / "racy.cpp") << "#include <thread>\n"
                                     "int counter;\n"
                                     "void work() { counter += 1; }\n"
                                     "int main() { std::thread a(work), b(work); a.join(); b.join(); }\n";
  const auto analyzed = run_child({CONCHECK_BINARY, "analyze", (dir / "racy.cpp").string()});
  EXPECT_EQ(analyzed.exit_code, 1) << analyzed.out << analyzed.err;
  EXPECT_NE(analyzed.out.find("counter"), std::string::npos) << analyzed.out;
  // Without a command, files are analyzed too.
  const auto bare = run_child({CONCHECK_BINARY, (dir / "racy.cpp").string()});
  EXPECT_EQ(bare.exit_code, 1) << bare.out << bare.err;
  EXPECT_EQ(bare.out, analyzed.out);
  fs::remove_all(dir);
}

TEST(AnalyzeHelper, AMissingHelperIsAClearError) {
  char pattern[] = "/tmp/concheck-no-helper-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  fs::create_directories(dir / "bin");
  fs::copy_file(CONCHECK_BINARY, dir / "bin" / "concheck");
  const std::string copy = (dir / "bin" / "concheck").string();
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{copy, "analyze", "x.cpp"}, std::vector<std::string>{copy, "--version"}}) {
    const auto result = run_child(argv);
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_NE(result.err.find("cannot start the analyzer"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find((dir / "libexec" / "concheck" / "concheck-analyze").string()),
              std::string::npos)
        << result.err;
  }
  // What needs no analyzer still works.
  const auto help = run_child({copy, "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("analyze"), std::string::npos) << help.out;
  fs::remove_all(dir);
}

}  // namespace
