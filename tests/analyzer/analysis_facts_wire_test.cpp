// facts_wire: the facts of every single-file fixture survive the trip
// through bytes (the trip each TU's facts make from the child process that
// parsed it, parse_limits.hpp): encoding the decoded facts gives the same
// bytes, and the rules find the same diagnostics in both. A truncated
// buffer is an error, never a crash or facts made up.
#include <clang-c/Index.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "facts_wire.hpp"

namespace fs = std::filesystem;
using namespace concheck::analyzer;

namespace {

std::string render(const std::vector<diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) {
    out += d.rule + " " + d.where.file.str() + ":" + std::to_string(d.where.line) + ":" +
           std::to_string(d.where.column) + " " + d.message + "\n";
    for (const auto& n : d.notes)
      out += "  " + n.where.file.str() + ":" + std::to_string(n.where.line) + " " + n.message + "\n";
  }
  return out;
}

TEST(analysis_facts_wire, every_fixture_round_trips) {
  CXIndex index = clang_createIndex(0, 0);
  unsigned checked = 0;
  for (const auto& entry : fs::directory_iterator(CONCHECK_ANALYZER_FIXTURES_DIR)) {
    if (entry.path().extension() != ".cpp") continue;
    std::string file = entry.path().string();
    std::vector<const char*> args = {"-std=c++20", "-xc++", "-nostdinc++", "-isystem",
                                     CONCHECK_ANALYZER_STUBS_DIR};
    CXTranslationUnit tu = nullptr;
    ASSERT_EQ(clang_parseTranslationUnit2(index, file.c_str(), args.data(), static_cast<int>(args.size()),
                                          nullptr, 0, CXTranslationUnit_None, &tu),
              CXError_Success)
        << file;
    analysis_options options;
    wire_result original;
    original.parsed = true;
    original.includes_all = {"/a.hpp", "/b.hpp"};
    original.includes_system_top_level = {"<unistd.h>", "<boost/version.hpp>"};
    original.facts.push_back(extract_facts(tu, options));
    clang_disposeTranslationUnit(tu);

    std::string bytes = encode_result(original);
    wire_result decoded = decode_result(bytes);
    EXPECT_EQ(encode_result(decoded), bytes) << file;
    EXPECT_TRUE(decoded.parsed);
    EXPECT_EQ(decoded.includes_all, original.includes_all);
    EXPECT_EQ(decoded.includes_system_top_level, original.includes_system_top_level);
    ASSERT_EQ(decoded.facts.size(), 1U);
    std::string expected = render(analyze(original.facts, options));
    EXPECT_EQ(render(analyze(decoded.facts, options)), expected) << file;
    if (!expected.empty()) ++checked;

    EXPECT_THROW(decode_result(std::string_view(bytes).substr(0, bytes.size() / 2)), std::runtime_error)
        << file;
  }
  clang_disposeIndex(index);
  EXPECT_GE(checked, 10U);  // the fixtures with findings were really compared
}

}  // namespace
