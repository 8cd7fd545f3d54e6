// The analyses' fixture tests: every fixture under fixtures/ is parsed with
// libclang (C++20) against the standard-library stubs in stubs/ (milliseconds
// per file instead of ~1 s for the real headers), must parse without errors,
// and its diagnostics (from extract_facts + analyze, printed in the CLI's text
// format with file names reduced to their base name) must be exactly the
// `// expect@...` comments written in its sources (fixture_expectations.hpp).
//
// A fixture is NAME.cpp, or a directory NAME/ whose .cpp files form one
// program (analyzed together, like `concheck analyze -p`). A line
// "// concheck-fixture-rules: a, b" in a source selects the rules (default:
// the default set). A few fixtures also run against the real standard
// headers (real_headers/...); CONCHECK_FIXTURES_REAL_HEADERS=1 runs every
// fixture both ways, which is how a change to the stubs is checked.
#include <clang-c/Index.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "fixture_expectations.hpp"

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

std::string base_name(const fs::path& path) {
  return path.filename().string();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path stubs_dir() {
#ifdef CONCHECK_ANALYZER_STUBS_DIR
  return CONCHECK_ANALYZER_STUBS_DIR;
#else
  return fs::path(__FILE__).parent_path() / "stubs";
#endif
}

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fixtures_dir(), ec)) {
    if (e.path().extension() == ".cpp" || e.is_directory()) names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The translation units of a fixture; with `all_files`, its headers too.
std::vector<fs::path> fixture_sources(const std::string& name, bool all_files = false) {
  fs::path single = fixtures_dir() / (name + ".cpp");
  if (fs::exists(single)) return {single};
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fixtures_dir() / name)) {
    if (all_files || e.path().extension() == ".cpp") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

concheck::analyzer_test::fixture_expectations expectations_of(const std::string& name) {
  concheck::analyzer_test::fixture_expectations expected;
  for (const auto& file : fixture_sources(name, true)) expected.add_source(base_name(file), read_file(file));
  return expected;
}

std::string format(const std::vector<diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    out += base_name(std::string(d.where.file)) + ":" + std::to_string(d.where.line) + ":" +
           std::to_string(d.where.column) + ": warning: " + d.message + " [concheck-" + d.rule + "]\n";
    for (const auto& n : d.notes) {
      out += base_name(std::string(n.where.file)) + ":" + std::to_string(n.where.line) + ":" +
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
enum class std_headers { stubs, real };

std::vector<diagnostic> run_fixture(const std::vector<fs::path>& sources, const analysis_options& options,
                                    std_headers headers) {
  CXIndex index = clang_createIndex(0, 0);
  std::vector<tu_facts_ptr> facts;
  for (const auto& src : sources) {
    std::string include = "-I" + src.parent_path().string();
    std::string stubs = stubs_dir().string();
    std::vector<const char*> args = {"-std=c++20", "-xc++", include.c_str()};
    if (headers == std_headers::stubs) args.insert(args.end(), {"-nostdinc++", "-isystem", stubs.c_str()});
    CXTranslationUnit tu = nullptr;
    auto rc = clang_parseTranslationUnit2(index, src.c_str(), args.data(), static_cast<int>(args.size()),
                                          nullptr, 0, CXTranslationUnit_None, &tu);
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

void check_fixture(const std::string& name, std_headers headers) {
  auto sources = fixture_sources(name);
  ASSERT_FALSE(sources.empty()) << "fixture " << name << " has no sources";
  auto expected = expectations_of(name);
  for (const auto& error : expected.errors) ADD_FAILURE() << error;
  if (expected.diagnostics.empty() && !expected.no_diagnostics) {
    ADD_FAILURE() << "fixture " << name
                  << " expects nothing: say `// expect-no-diagnostics` if that is meant";
  }
  if (!expected.diagnostics.empty() && expected.no_diagnostics) {
    ADD_FAILURE() << "fixture " << name << " says `expect-no-diagnostics` but has expectations";
  }
  std::string actual = format(run_fixture(sources, options_for(sources), headers));
  EXPECT_EQ(expected.render(), actual)
      << "diagnostics of fixture " << name << (headers == std_headers::real ? " (real headers)" : "")
      << " differ from the `// expect@` comments in its sources";
}

class analysis_fixture : public testing::TestWithParam<std::string> {};

TEST_P(analysis_fixture, matches_its_expectations) {
  check_fixture(GetParam(), std_headers::stubs);
  if (const char* both = std::getenv("CONCHECK_FIXTURES_REAL_HEADERS");
      both != nullptr && std::string(both) == "1")
    check_fixture(GetParam(), std_headers::real);
}

INSTANTIATE_TEST_SUITE_P(fixtures, analysis_fixture, testing::ValuesIn(fixture_names()),
                         [](const testing::TestParamInfo<std::string>& param) { return param.param; });

// End to end on the real standard headers: fixtures that between them use
// every kind of standard type and call the analyzer knows (threads started
// every way, containers, guards and tags, condition variables), so a stub
// that drifted from the real header shows here.
class analysis_fixture_real_headers : public testing::TestWithParam<std::string> {};

TEST_P(analysis_fixture_real_headers, matches_its_expectations) {
  check_fixture(GetParam(), std_headers::real);
}

INSTANTIATE_TEST_SUITE_P(real_headers, analysis_fixture_real_headers,
                         testing::Values("thread_starts", "uw_containers", "lo_scoped_lock_both_orders",
                                         "neg_cv_predicate", "neg_cv_wait_timeout_value",
                                         "uw_cv_wait_timeout_value"),
                         [](const testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(analysis_fixtures, are_found) {
  EXPECT_GE(fixture_names().size(), 30u) << "fixtures not found under " << fixtures_dir();
  EXPECT_TRUE(fs::exists(stubs_dir() / "mutex")) << "standard-library stubs not found under " << stubs_dir();
}

}  // namespace
