// The finding-kind vocabulary (finding_kinds.inc): every kind is named,
// described and hinted, names round-trip and unknown names are refused, and
// the docs list every kind.
#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "concheck/detector/finding.hpp"
#include "concheck/detector/render.hpp"

namespace concheck::detector {
namespace {

std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(CONCHECK_SOURCE_DIR) + "/docs/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FindingKinds, ListCoversTheEnumInOrder) {
  std::size_t index = 0;
  for (finding_kind kind : kAllFindingKinds) {
    EXPECT_EQ(static_cast<std::size_t>(kind), index) << to_string(kind);
    ++index;
  }
  EXPECT_GE(index, 12u);
}

TEST(FindingKinds, EveryKindHasANameHeadlineAndHint) {
  for (finding_kind kind : kAllFindingKinds) {
    const auto index = static_cast<int>(kind);
    EXPECT_FALSE(to_string(kind).empty()) << index;
    EXPECT_FALSE(describe(kind).empty()) << to_string(kind);
    EXPECT_FALSE(default_hint(kind).empty()) << to_string(kind);
  }
}

TEST(FindingKinds, NamesAreDistinctLowercaseWordsJoinedByHyphens) {
  std::set<std::string_view> seen;
  for (finding_kind kind : kAllFindingKinds) {
    const std::string_view name = to_string(kind);
    EXPECT_TRUE(seen.insert(name).second) << "duplicate kind name " << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << name;
    EXPECT_NE(name.front(), '-') << name;
    EXPECT_NE(name.back(), '-') << name;
  }
}

TEST(FindingKinds, NamesRoundTrip) {
  for (finding_kind kind : kAllFindingKinds) {
    const std::optional<finding_kind> parsed = finding_kind_from_string(to_string(kind));
    ASSERT_TRUE(parsed.has_value()) << to_string(kind);
    EXPECT_EQ(*parsed, kind);
    EXPECT_EQ(to_string(*parsed), to_string(kind));
  }
}

TEST(FindingKinds, UnknownNamesAreRefused) {
  for (std::string_view name : {"", "unknown", "Deadlock", "data_race", "deadlock ", " deadlock",
                                "lock-order-inversion-x", "*", "unknown-kind"}) {
    EXPECT_FALSE(finding_kind_from_string(name).has_value()) << "'" << name << "'";
  }
}

TEST(FindingKinds, TheReportFormatPageListsEveryKind) {
  const std::string format = read_doc("report-format.md");
  ASSERT_FALSE(format.empty()) << "docs/report-format.md is missing";
  const std::size_t list_start = format.find("Kinds (`kind`):");
  const std::size_t list_end = format.find("An unknown kind", list_start);
  ASSERT_NE(list_end, std::string::npos) << "the kinds list of docs/report-format.md moved";
  const std::string list = format.substr(list_start, list_end - list_start);
  for (finding_kind kind : kAllFindingKinds) {
    const std::string quoted = "`" + std::string(to_string(kind)) + "`";
    EXPECT_NE(list.find(quoted), std::string::npos)
        << quoted << " is not in the kinds list of docs/report-format.md";
    EXPECT_NE(format.find("| " + quoted + " |"), std::string::npos)
        << quoted << " has no row in the sites-per-kind table of docs/report-format.md";
  }
}

}  // namespace
}  // namespace concheck::detector
