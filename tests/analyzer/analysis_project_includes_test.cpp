// The project headers a parsed TU includes (parse_headers.hpp:
// project_includes_of): which files are system headers, and how few of them
// need libclang's whole-table search to say so.
#include <clang-c/Index.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_test_support.hpp"
#include "parse_headers.hpp"

namespace project_includes_test {

using concheck::analyzer::include_file_text_after_system;
using concheck::analyzer::kSkipHeaderBodies;
using concheck::analyzer::project_includes;
using concheck::analyzer::project_includes_of;
using concheck::analyzer::spelled_include;
using concheck::cli_test::scratch_dir;

std::string real_path(const std::string& path) {
  return std::filesystem::canonical(path).string();
}

// A TU parsed with `flags`, its project includes and the lookups they took.
struct scanned {
  project_includes includes;
  unsigned lookups = 0;
};

scanned scan(const scratch_dir& dir, const std::string& file, unsigned flags) {
  std::vector<std::string> args = {"-xc++", "-std=c++17", "-I" + dir / "proj", "-isystem" + dir / "sys"};
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  CXIndex index = clang_createIndex(0, 0);
  CXTranslationUnit tu = nullptr;
  scanned out;
  EXPECT_EQ(clang_parseTranslationUnit2(index, file.c_str(), argv.data(), static_cast<int>(argv.size()),
                                        nullptr, 0, flags, &tu),
            CXError_Success);
  if (tu != nullptr) {
    out.includes = project_includes_of(tu, {real_path(file)}, &out.lookups);
    clang_disposeTranslationUnit(tu);
  }
  clang_disposeIndex(index);
  return out;
}

// sys/ is a system folder (-isystem), proj/ a project one (-I). A chain of
// system headers, a project header reached only through a system header
// (system then: clang takes the includer's characteristic when it is
// larger), an unguarded system header included from both kinds of file,
// and a project header after the main file's first declaration.
class ProjectIncludes : public ::testing::TestWithParam<unsigned> {
 protected:
  void SetUp() override {
    for (int i = 0; i < 20; ++i)
      dir_.file("sys/chain" + std::to_string(i) + ".h",
                "#pragma once\n" +
                    (i + 1 < 20 ? "#include <chain" + std::to_string(i + 1) + ".h>\n" : std::string()) +
                    "inline int chain" + std::to_string(i) + "() { return " + std::to_string(i) + "; }\n");
    dir_.file("sys/top.h",
              "#pragma once\n#include <chain0.h>\n#include <via_system.h>\n#include <again.h>\n");
    dir_.file("sys/again.h",
              "inline int again_"
              "__LINE__"
              "();\n");  // no guard: every include adds an entry
    dir_.file("sys/leaf.h", "#pragma once\nint leaf();\n");
    via_system_ = dir_.file("proj/via_system.h", "#pragma once\nint via_system();\n");
    first_ = dir_.file("proj/first.h",
                       "#pragma once\n#include <top.h>\n#include \"second.h\"\n#include <again.h>\n");
    second_ = dir_.file("proj/second.h", "#pragma once\nstruct second { int f() { return 2; } };\n");
    late_ = dir_.file("proj/late.h", "#pragma once\nint late() { return 3; }\n");
    main_ = dir_.file("src/main.cpp",
                      "#include \"first.h\"\n#include <leaf.h>\nint declared();\n#include \"late.h\"\n"
                      "int main() { return chain0() + late(); }\n");
  }

  scratch_dir dir_;
  std::string via_system_, first_, second_, late_, main_;
};

TEST_P(ProjectIncludes, ListsTheProjectHeadersOnly) {
  scanned result = scan(dir_, main_, GetParam());
  const bool preamble = GetParam() != CXTranslationUnit_None;
  std::vector<std::string> all = {real_path(first_), real_path(second_)};
  if (!preamble) all.push_back(real_path(late_));
  std::sort(result.includes.all.begin(),
            result.includes.all.end());  // the list's order differs with a preamble
  std::sort(all.begin(), all.end());
  EXPECT_EQ(result.includes.all, all);
  EXPECT_EQ(result.includes.top_level,
            (preamble ? std::vector<std::string>{real_path(first_)}
                      : std::vector<std::string>{real_path(first_), real_path(late_)}));
  // With a preamble, libclang's inclusion list leaves out what follows the first declaration.
  EXPECT_EQ(result.includes.parsed_here,
            preamble ? std::vector<std::string>{real_path(late_)} : std::vector<std::string>{});
}

// Only the files some #include line of a project file names need the
// search (first.h, second.h, late.h, top.h, leaf.h, again.h): the 20
// chained headers and via_system.h are system headers by their includer's line.
TEST_P(ProjectIncludes, AsksLibclangOnlyAboutFilesAProjectFileIncludes) {
  scanned result = scan(dir_, main_, GetParam());
  const bool preamble = GetParam() != CXTranslationUnit_None;
  EXPECT_EQ(result.lookups, preamble ? 5U : 6U);  // late.h is not on the list with a preamble
}

// The main file's own #include lines of system headers, as spelled, in
// order (leaf.h; top.h comes through first.h), for a header parse tried
// again after them.
TEST_P(ProjectIncludes, SpellsTheMainFilesSystemIncludes) {
  dir_.file("src/spelled.cpp",
            "#include <chain3.h>\n#include \"first.h\"\n  #  include   <leaf.h> // the leaf\n"
            "int main() { return chain0(); }\n");
  scanned result = scan(dir_, dir_ / "src/spelled.cpp", GetParam());
  EXPECT_EQ(result.includes.system_top_level, (std::vector<std::string>{"<chain3.h>", "<leaf.h>"}));
  EXPECT_EQ(scan(dir_, main_, GetParam()).includes.system_top_level, std::vector<std::string>{"<leaf.h>"});
}

// The top-level project headers in the main file's order, as the
// synthesized file of a header parse must include them (a header may need
// the ones before it).
TEST_P(ProjectIncludes, KeepsTheMainFilesOrder) {
  std::string text;
  std::vector<std::string> expected;
  for (int i = 9; i >= 0; --i) {
    std::string name = "proj/order" + std::to_string(i) + ".h";
    expected.push_back(real_path(dir_.file(name, "#pragma once\n#include <chain" + std::to_string(i) +
                                                     ".h>\nint order" + std::to_string(i) + "();\n")));
    text += "#include \"order" + std::to_string(i) + ".h\"\n#include <leaf.h>\n";
  }
  dir_.file("src/ordered.cpp", text + "#include \"first.h\"\nint main() { return 0; }\n");
  expected.push_back(real_path(first_));
  EXPECT_EQ(scan(dir_, dir_ / "src/ordered.cpp", GetParam()).includes.top_level, expected);
}

TEST(SpelledInclude, ReadsPlainDirectivesOnly) {
  EXPECT_EQ(spelled_include("#include <a/b.h>"), "<a/b.h>");
  EXPECT_EQ(spelled_include(" # include\t\"c.h\" // note"), "\"c.h\"");
  EXPECT_EQ(spelled_include("#include HEADER_OF(x)"), "");
  EXPECT_EQ(spelled_include("#include <>"), "");
  EXPECT_EQ(spelled_include("#include <unterminated.h"), "");
  EXPECT_EQ(spelled_include("#define include <a.h>"), "");
  EXPECT_EQ(spelled_include("int x;"), "");
}

// The system headers first, then a declaration that ends the preamble, then
// the project headers: parsed with kSkipHeaderBodies, only the project
// headers keep their bodies.
TEST(IncludeFileTextAfterSystem, PutsTheProjectHeadersAfterThePreamble) {
  std::string text =
      include_file_text_after_system({"<unistd.h>", "<boost/version.hpp>"}, {"/p/a.h", "/p/b.h"});
  EXPECT_EQ(text.substr(text.find('\n') + 1),
            "#include <unistd.h>\n#include <boost/version.hpp>\nnamespace concheck_end_of_preamble {}\n"
            "#include \"/p/a.h\"\n#include \"/p/b.h\"\n");
}

std::string parse_name(const ::testing::TestParamInfo<unsigned>& param) {
  return param.param == CXTranslationUnit_None ? "Whole" : "Preamble";
}

INSTANTIATE_TEST_SUITE_P(Parses, ProjectIncludes,
                         ::testing::Values(unsigned{CXTranslationUnit_None}, kSkipHeaderBodies), parse_name);

}  // namespace project_includes_test
