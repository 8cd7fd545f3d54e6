// ThreadSanitizer's runtime linked by mistake (runtime/src/race/tsan_conflict.hpp):
// a program compiled and linked with -fsanitize=thread besides concheck's
// runtime stops at start with exit status 2 and one error that names the
// module and says how to build instead (instead of a SEGV in free() that TSan
// reports without a hint of the cause); the same program linked with concheck
// only runs and hears nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace {

concheck::test::child_result run(const char* program, const std::string& options) {
  concheck::test::child_options child;
  child.env = {"CONCHECK_OPTIONS=" + options, "TSAN_OPTIONS=report_bugs=0"};
  return concheck::test::run_child({program}, child);
}

void expect_explained(const concheck::test::child_result& child) {
  EXPECT_EQ(child.exit_code, 2) << child.err;
  EXPECT_EQ(child.out.find("child ran"), std::string::npos) << child.out;
  EXPECT_EQ(child.err.find("SEGV"), std::string::npos) << child.err;
  EXPECT_NE(child.err.find("concheck: error: ThreadSanitizer's runtime is linked into this program ("),
            std::string::npos)
      << child.err;
  EXPECT_NE(
      child.err.find("Linking libtsan would replace concheck's hooks; use compile-only instrumentation"),
      std::string::npos)
      << child.err;
}

TEST(RacePackLibtsan, GccLinkedLibtsanIsExplainedAtStart) {
  const auto child = run(CONCHECK_LIBTSAN_CHILD_GCC, "");
  expect_explained(child);
  EXPECT_NE(child.err.find("libtsan"), std::string::npos) << child.err;
}

TEST(RacePackLibtsan, TheExplanationIsAJsonNoticeInJsonLogs) {
  const auto child = run(CONCHECK_LIBTSAN_CHILD_GCC, "format=json");
  EXPECT_EQ(child.exit_code, 2) << child.err;
  const std::vector<std::string> lines = concheck::test::json_lines(child.err);
  ASSERT_EQ(lines.size(), 1u) << child.err;
  const nlohmann::json notice = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(notice.at("record"), "notice") << lines[0];
  EXPECT_EQ(notice.at("level"), "error") << lines[0];
  EXPECT_EQ(notice.at("schema_version"), 1) << lines[0];
  EXPECT_NE(notice.at("message").get<std::string>().find("libtsan"), std::string::npos) << lines[0];
}

#ifdef CONCHECK_LIBTSAN_CHILD_CLANG
TEST(RacePackLibtsan, ClangStaticTsanRuntimeIsExplainedAtStart) {
  expect_explained(run(CONCHECK_LIBTSAN_CHILD_CLANG, ""));
}
#endif

TEST(RacePackLibtsan, WithoutLibtsanNothingIsSaid) {
  const auto child = run(CONCHECK_LIBTSAN_CHILD_NONE, "");
  EXPECT_EQ(child.exit_code, 0) << child.err;
  EXPECT_NE(child.out.find("child ran: 1"), std::string::npos) << child.out;
  EXPECT_EQ(child.err.find("ThreadSanitizer"), std::string::npos) << child.err;
}

}  // namespace
