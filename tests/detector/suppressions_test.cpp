// Suppressions: file syntax, errors with file:line, matching on every name of
// every site, and the exit summary.
#include "concheck/detector/suppressions.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "concheck/detector/glob.hpp"
#include "report_samples.hpp"

namespace concheck::detector {
namespace {

suppressions parse_ok(std::string_view text) {
  auto parsed = suppressions::parse(text, "supp.txt");
  EXPECT_TRUE(parsed) << parsed.error;
  return parsed ? std::move(*parsed.value) : suppressions{};
}

TEST(Glob, MatchesWholeNamesWithStars) {
  EXPECT_TRUE(glob_match("abc", "abc"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
  EXPECT_FALSE(glob_match("abc", "xabc"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*legacy*", "legacy"));
  EXPECT_TRUE(glob_match("*legacy*", "ns::legacy_io::flush()"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYbc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYb"));
  EXPECT_TRUE(glob_match("**x", "yyx"));
  EXPECT_FALSE(glob_match("", "x"));
  EXPECT_TRUE(glob_match("", ""));
  // Backtracking worst case stays fast.
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST(Suppressions, ParsesRulesCommentsAndBlankLines) {
  auto s =
      parse_ok("# known issues\n\n  lock-order-inversion:*legacy*  \r\n*:third_party/*\ndata-race:std::*\n");
  ASSERT_EQ(s.rules().size(), 3u);
  EXPECT_EQ(s.rules()[0].kind, finding_kind::lock_order_inversion);
  EXPECT_EQ(s.rules()[0].pattern, "*legacy*");
  EXPECT_EQ(s.rules()[0].source, "supp.txt:3");
  EXPECT_FALSE(s.rules()[1].kind.has_value());
  EXPECT_EQ(s.rules()[2].pattern, "std::*");  // colons after the first belong to the pattern
  EXPECT_TRUE(parse_ok("").empty());
}

TEST(Suppressions, ErrorsNameFileAndLine) {
  auto missing_colon = suppressions::parse("# x\nlegacy\n", "supp.txt");
  ASSERT_FALSE(missing_colon);
  EXPECT_EQ(missing_colon.error, "supp.txt:2: expected 'kind:pattern', got 'legacy'");
  auto bad_kind = suppressions::parse("dedlock:*x*", "s");
  ASSERT_FALSE(bad_kind);
  EXPECT_NE(bad_kind.error.find("s:1: unknown finding kind 'dedlock'"), std::string::npos) << bad_kind.error;
  auto empty_pattern = suppressions::parse("deadlock:  \n", "s");
  ASSERT_FALSE(empty_pattern);
  EXPECT_EQ(empty_pattern.error, "s:1: empty pattern after 'deadlock:'");
}

TEST(Suppressions, LoadFileReportsUnreadableFile) {
  auto missing = suppressions::load_file("/nonexistent/concheck.supp");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error.find("/nonexistent/concheck.supp: cannot read suppressions file"),
            std::string::npos);
  std::string path = testing::TempDir() + "concheck_supp_test.txt";
  std::ofstream(path) << "deadlock:*\n";
  auto loaded = suppressions::load_file(path);
  ASSERT_TRUE(loaded) << loaded.error;
  EXPECT_EQ(loaded.value->rules()[0].source, path + ":1");
  std::remove(path.c_str());
}

TEST(Suppressions, MatchesFunctionsFilesBaseNamesAndModulesOfEverySite) {
  finding bank = samples::bank_inversion();
  EXPECT_TRUE(parse_ok("lock-order-inversion:audit_all").match(bank));         // edge function
  EXPECT_TRUE(parse_ok("lock-order-inversion:bank.cpp").match(bank));          // file base name
  EXPECT_TRUE(parse_ok("lock-order-inversion:/home/ada/*").match(bank));       // full path
  EXPECT_TRUE(parse_ok("lock-order-inversion:libstdc++.so.6").match(bank));    // module base name
  EXPECT_TRUE(parse_ok("*:run_audit").match(bank));                            // from_acquired frame
  EXPECT_TRUE(parse_ok("*:worker_main").match(bank));                          // a caller frame
  EXPECT_FALSE(parse_ok("lock-order-inversion:bank").match(bank));             // whole names only
  EXPECT_FALSE(parse_ok("deadlock:*").match(bank));                            // other kind
  EXPECT_TRUE(parse_ok("deadlock:queue::pop").match(samples::lost_wakeup()));  // state site
  EXPECT_FALSE(parse_ok("*:main").match(samples::destroy_locked()));  // thread creation is not a site
}

// data-race rules: `race:` as ThreadSanitizer spells it, the raced global by
// name, a heap block by its allocation site.
TEST(Suppressions, RaceRulesMatchTheGlobalByNameAndTheHeapBlockByItsAllocationSite) {
  const finding global = samples::global_race();
  EXPECT_TRUE(parse_ok("race:hits").match(global));
  EXPECT_TRUE(parse_ok("data-race:count").match(global));  // the access's function
  EXPECT_FALSE(parse_ok("race:misses").match(global));
  EXPECT_FALSE(parse_ok("deadlock:hits").match(global));  // other kind
  finding offset = global;
  offset.memory.name = "g_stats+8";
  EXPECT_TRUE(parse_ok("race:g_stats").match(offset));  // a member of a global
  const finding heap = samples::heap_race();
  EXPECT_TRUE(parse_ok("race:main").match(heap));  // allocated in main()
  EXPECT_FALSE(parse_ok("race:hits").match(heap));
}

// Symbolized C++ names carry their parameter lists ("ba()"); a rule names
// the function as it is written in the source.
TEST(Suppressions, FunctionNamesMatchWithoutTheirParameterLists) {
  finding f;
  f.kind = finding_kind::lock_order_inversion;
  site s;
  s.function = "ba()";
  s.frames.push_back(frame{});
  s.frames.back().function = "ns::cache::get(std::map<int, int> const&) const";
  f.sites.push_back(s);
  EXPECT_TRUE(parse_ok("lock-order-inversion:ba").match(f));
  EXPECT_TRUE(parse_ok("lock-order-inversion:ba()").match(f));
  EXPECT_TRUE(parse_ok("lock-order-inversion:ns::cache::get").match(f));
  EXPECT_TRUE(parse_ok("lock-order-inversion:*::get").match(f));
  EXPECT_FALSE(parse_ok("lock-order-inversion:b").match(f));
  EXPECT_FALSE(parse_ok("lock-order-inversion:ns::cache").match(f));
}

TEST(Suppressions, FirstMatchingRuleCountsAndSummaryListsHits) {
  auto s =
      parse_ok("lock-order-inversion:*legacy*\nlock-order-inversion:*bank*\n*:*rlock*\ndeadlock:nothing\n");
  EXPECT_EQ(s.summary(), "");
  finding bank = samples::bank_inversion();
  EXPECT_TRUE(s.match(bank));
  EXPECT_TRUE(s.match(bank));
  EXPECT_TRUE(s.match(samples::self_deadlock()));
  EXPECT_FALSE(s.match(samples::destroy_locked()));
  EXPECT_EQ(s.rules()[1].hits, 2u);
  EXPECT_EQ(s.find_rule(bank), &s.rules()[1]);
  EXPECT_EQ(s.rules()[1].hits, 2u);  // find_rule does not count
  EXPECT_EQ(s.suppressed_count(), 3u);
  EXPECT_EQ(s.summary(), "concheck: suppressed 3 findings: 2 lock-order-inversion:*bank*, 1 *:*rlock*\n");
}

}  // namespace
}  // namespace concheck::detector
