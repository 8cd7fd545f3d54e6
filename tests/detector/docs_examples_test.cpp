// The example reports in docs/reading-reports.md are the golden files of the
// renderer tests (golden/*.txt), so the page shows exactly what concheck
// prints. Each example is a fenced block right after a marker line
// `<!-- golden: NAME.txt -->`; this test compares every such block with its
// golden file. UPDATE_GOLDEN=1 rewrites the blocks from the golden files
// instead (scripts/update-golden.sh runs the golden tests, then this).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// One example of the page: which golden file, and where its block's text is.
struct example {
  std::string golden;
  std::size_t begin = 0;  // first character inside the fence
  std::size_t end = 0;    // the closing fence's first character
};

constexpr std::string_view kMarker = "<!-- golden: ";

// Every marked example, or a failure naming what is malformed.
std::vector<example> examples_of(const std::string& page) {
  std::vector<example> out;
  for (std::size_t at = page.find(kMarker); at != std::string::npos; at = page.find(kMarker, at + 1)) {
    const std::size_t name_begin = at + kMarker.size();
    const std::size_t name_end = page.find(" -->", name_begin);
    if (name_end == std::string::npos) {
      ADD_FAILURE() << "unterminated marker at offset " << at;
      break;
    }
    example e;
    e.golden = page.substr(name_begin, name_end - name_begin);
    const std::size_t fence = page.find("\n```", name_end);
    const std::size_t fence_line_end = page.find('\n', fence + 1);
    // The fence must follow the marker directly.
    if (fence == std::string::npos || fence != page.find('\n', name_end) ||
        fence_line_end == std::string::npos) {
      ADD_FAILURE() << "marker for " << e.golden << " is not followed by a fenced block";
      continue;
    }
    e.begin = fence_line_end + 1;
    e.end = page.find("```", e.begin);
    if (e.end == std::string::npos || page[e.end - 1] != '\n') {
      ADD_FAILURE() << "unterminated fenced block for " << e.golden;
      break;
    }
    out.push_back(e);
  }
  return out;
}

TEST(DocsExamples, ReadingReportsShowsTheGoldenReports) {
  const std::string page_path = std::string(CONCHECK_DOCS_DIR) + "/reading-reports.md";
  std::string page = read_file(page_path);
  ASSERT_FALSE(page.empty()) << "cannot read " << page_path;
  const std::vector<example> examples = examples_of(page);
  // The page walks through every report layout: one example per golden text report at least.
  EXPECT_GE(examples.size(), 7u) << "markers lost from " << page_path;
  const char* update = std::getenv("UPDATE_GOLDEN");
  const bool rewrite = update != nullptr && std::string(update) == "1";
  // Back to front, so that rewriting a block leaves earlier offsets valid.
  for (auto it = examples.rbegin(); it != examples.rend(); ++it) {
    const std::string golden_path = std::string(CONCHECK_GOLDEN_DIR) + "/" + it->golden;
    const std::string golden = read_file(golden_path);
    ASSERT_FALSE(golden.empty()) << page_path << " cites " << it->golden << ", which is missing or empty";
    if (rewrite) {
      page.replace(it->begin, it->end - it->begin, golden);
      continue;
    }
    EXPECT_EQ(page.substr(it->begin, it->end - it->begin), golden)
        << "the example for " << it->golden << " in " << page_path
        << " differs from the golden file; run scripts/update-golden.sh to copy the golden files in";
  }
  if (rewrite) std::ofstream(page_path, std::ios::binary) << page;
}

}  // namespace
