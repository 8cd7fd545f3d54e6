// Golden tests of the analyses: every fixture under fixtures/ is parsed with
// libclang (C++20), must parse without errors, and its diagnostics (from
// extract_facts + analyze, printed in the CLI's text format with file names
// reduced to their base name) must equal its .expected file exactly.
//
// A fixture is NAME.cpp + NAME.expected, or a directory NAME/ whose .cpp files
// form one program (analyzed together, like `concheck analyze -p`) +
// NAME.expected. A line "// concheck-fixture-rules: a, b" in a source selects
// the rules (default: the default set). CONCHECK_UPDATE_GOLDEN=1 rewrites the
// .expected files from the current output (review the diff before committing).
#include <clang-c/Index.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis.hpp"

namespace fs = std::filesystem;
using namespace concheck::analyzer;

namespace {

fs::path fixtures_dir() {
#ifdef CONCHECK_ANALYZER_FIXTURES_DIR
  return CONCHECK_ANALYZER_FIXTURES_DIR;
#else
  return fs::path(__FILE__).parent_path() / "fixtures";
#endif
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fixtures_dir(), ec)) {
    if (e.path().extension() == ".expected") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<fs::path> fixture_sources(const std::string& name) {
  fs::path single = fixtures_dir() / (name + ".cpp");
  if (fs::exists(single)) return {single};
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fixtures_dir() / name)) {
    if (e.path().extension() == ".cpp") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string base_name(const std::string& path) {
  return fs::path(path).filename().string();
}

std::string format(const std::vector<diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    out += base_name(d.where.file) + ":" + std::to_string(d.where.line) + ":" +
           std::to_string(d.where.column) + ": warning: " + d.message + " [concheck-" + d.rule + "]\n";
    for (const auto& n : d.notes) {
      out += base_name(n.where.file) + ":" + std::to_string(n.where.line) + ":" +
             std::to_string(n.where.column) + ": note: " + n.message + "\n";
    }
  }
  return out;
}

analysis_options options_for(const std::vector<fs::path>& sources) {
  analysis_options options;
  const std::string marker = "// concheck-fixture-rules:";
  for (const auto& s : sources) {
    std::istringstream in(read_file(s));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(marker, 0) != 0) continue;
      std::istringstream rules_list(line.substr(marker.size()));
      for (std::string rule; std::getline(rules_list, rule, ',');) {
        rule.erase(0, rule.find_first_not_of(' '));
        rule.erase(rule.find_last_not_of(' ') + 1);
        if (!rule.empty()) options.enabled_rules.insert(rule);
      }
    }
  }
  return options;
}

// Parses and analyzes; fails the test on parse errors (an analysis of a broken
// AST would be meaningless).
std::vector<diagnostic> run_fixture(const std::vector<fs::path>& sources, const analysis_options& options) {
  CXIndex index = clang_createIndex(0, 0);
  std::vector<tu_facts_ptr> facts;
  for (const auto& src : sources) {
    std::string include = "-I" + src.parent_path().string();
    const char* args[] = {"-std=c++20", "-xc++", include.c_str()};
    CXTranslationUnit tu = nullptr;
    auto rc =
        clang_parseTranslationUnit2(index, src.c_str(), args, 3, nullptr, 0, CXTranslationUnit_None, &tu);
    EXPECT_EQ(rc, CXError_Success) << src;
    if (tu == nullptr) continue;
    for (unsigned i = 0; i < clang_getNumDiagnostics(tu); ++i) {
      CXDiagnostic d = clang_getDiagnostic(tu, i);
      if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
        CXString text = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());
        ADD_FAILURE() << "parse error in fixture: " << clang_getCString(text);
        clang_disposeString(text);
      }
      clang_disposeDiagnostic(d);
    }
    facts.push_back(extract_facts(tu, options));
    clang_disposeTranslationUnit(tu);
  }
  auto diags = analyze(facts, options);
  clang_disposeIndex(index);
  return diags;
}

class analysis_fixture : public testing::TestWithParam<std::string> {};

TEST_P(analysis_fixture, matches_golden_diagnostics) {
  const std::string name = GetParam();
  auto sources = fixture_sources(name);
  ASSERT_FALSE(sources.empty()) << "fixture " << name << " has no sources";
  std::string actual = format(run_fixture(sources, options_for(sources)));
  fs::path golden = fixtures_dir() / (name + ".expected");
  if (const char* update = std::getenv("CONCHECK_UPDATE_GOLDEN");
      update != nullptr && std::string(update) == "1") {
    std::ofstream(golden, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  EXPECT_EQ(read_file(golden), actual) << "diagnostics of fixture " << name << " differ from " << golden;
}

INSTANTIATE_TEST_SUITE_P(fixtures, analysis_fixture, testing::ValuesIn(fixture_names()),
                         [](const testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(analysis_fixtures, every_source_has_a_golden_file) {
  auto names = fixture_names();
  ASSERT_GE(names.size(), 20u) << "fixtures not found under " << fixtures_dir();
  for (const auto& e : fs::directory_iterator(fixtures_dir())) {
    std::string stem = e.path().stem().string();
    if (e.path().extension() == ".cpp" || e.is_directory()) {
      EXPECT_NE(std::find(names.begin(), names.end(), stem), names.end())
          << e.path() << " has no .expected file";
    }
  }
}

}  // namespace
