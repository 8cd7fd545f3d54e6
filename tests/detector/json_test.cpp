// parse_finding_json: round trips with render_json and rejects bad records
// with a message naming the problem. parse_findings_json_lines: a whole
// report, blank lines skipped, the first bad line named by its number.
#include "concheck/detector/json.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <tuple>

#include "concheck/detector/render.hpp"
#include "report_samples.hpp"

namespace concheck::detector {
namespace {

// Field-by-field equality (finding.hpp declares no operator==).
bool equal(const frame& a, const frame& b) {
  return std::tie(a.pc, a.module, a.offset, a.function, a.file, a.line, a.internal) ==
         std::tie(b.pc, b.module, b.offset, b.function, b.file, b.line, b.internal);
}
bool equal(const site& a, const site& b) {
  if (std::tie(a.function, a.file, a.line) != std::tie(b.function, b.file, b.line)) return false;
  if (a.frames.size() != b.frames.size()) return false;
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    if (!equal(a.frames[i], b.frames[i])) return false;
  }
  return true;
}
template <typename T, typename Eq>
bool equal_all(const std::vector<T>& a, const std::vector<T>& b, Eq eq) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!eq(a[i], b[i])) return false;
  }
  return true;
}
bool equal(const finding& a, const finding& b) {
  if (std::tie(a.kind, a.message, a.hint, a.test, a.replay, a.pid) !=
      std::tie(b.kind, b.message, b.hint, b.test, b.replay, b.pid)) {
    return false;
  }
  return equal_all(a.threads, b.threads,
                   [](const thread_ref& x, const thread_ref& y) {
                     return x.id == y.id && x.name == y.name && equal(x.created, y.created);
                   }) &&
         equal_all(a.locks, b.locks,
                   [](const lock_ref& x, const lock_ref& y) {
                     return std::tie(x.id, x.name, x.type, x.address, x.variable, x.variable_from) ==
                                std::tie(y.id, y.name, y.type, y.address, y.variable, y.variable_from) &&
                            equal(x.created, y.created);
                   }) &&
         equal_all(a.sites, b.sites, [](const site& x, const site& y) { return equal(x, y); }) &&
         equal_all(a.cycle, b.cycle,
                   [](const cycle_edge& x, const cycle_edge& y) {
                     return std::tie(x.from, x.to, x.thread, x.from_shared, x.to_shared) ==
                                std::tie(y.from, y.to, y.thread, y.from_shared, y.to_shared) &&
                            equal(x.acquired, y.acquired) && equal(x.from_acquired, y.from_acquired);
                   }) &&
         equal_all(a.accesses, b.accesses,
                   [](const access_ref& x, const access_ref& y) {
                     return std::tie(x.thread, x.write, x.atomic, x.size, x.held) ==
                            std::tie(y.thread, y.write, y.atomic, y.size, y.held);
                   }) &&
         std::tie(a.memory.kind, a.memory.name, a.memory.address, a.memory.size, a.memory.offset,
                  a.memory.thread) == std::tie(b.memory.kind, b.memory.name, b.memory.address, b.memory.size,
                                               b.memory.offset, b.memory.thread) &&
         equal(a.memory.allocated, b.memory.allocated) &&
         equal_all(a.states, b.states, [](const thread_state& x, const thread_state& y) {
           return std::tie(x.thread, x.holds, x.waits_for_lock, x.waits_for, x.vanished_at_fork) ==
                      std::tie(y.thread, y.holds, y.waits_for_lock, y.waits_for, y.vanished_at_fork) &&
                  equal(x.waiting_at, y.waiting_at);
         });
}

void expect_round_trip(const finding& original) {
  std::string line = render_json(original);
  auto parsed = parse_finding_json(line);
  ASSERT_TRUE(parsed) << parsed.error << "\n" << line;
  EXPECT_TRUE(equal(original, *parsed.value)) << line << "\n" << render_json(*parsed.value);
  EXPECT_EQ(render_json(*parsed.value), line);
}

TEST(FindingJson, RoundTripsEverySample) {
  expect_round_trip(samples::bank_inversion());
  expect_round_trip(samples::unnamed_inversion());
  expect_round_trip(samples::ab_ba_deadlock());
  expect_round_trip(samples::lost_wakeup());
  expect_round_trip(samples::self_deadlock());
  expect_round_trip(samples::destroy_locked());
  expect_round_trip(samples::long_cycle(60));
  expect_round_trip(samples::global_race());
  expect_round_trip(samples::heap_race());
  for (const auto& f : samples::one_of_each_kind()) expect_round_trip(f);
}

TEST(FindingJson, RoundTripsExtremeValues) {
  finding f = samples::bank_inversion();
  f.locks[0].id = ~std::uint64_t{0};
  f.locks[0].address = 0xffff'ffff'ffff'fff0ULL;
  f.cycle[0].from = ~std::uint64_t{0};
  f.cycle[0].acquired.frames[0].pc = ~std::uint64_t{0};
  f.message = "quotes \" backslash \\ newline \n tab \t unicode \xc3\xa9 control \x01";
  f.pid = -1;
  f.states = {{9, {1, 2, 3}, std::nullopt, "", {}}};
  expect_round_trip(f);
}

// The lock's derived name (added in schema version 1 without a bump: readers
// ignore fields they do not know, and a record without them reads as "").
TEST(FindingJson, LockVariableRoundTripsAndMayBeAbsent) {
  finding f = samples::unnamed_inversion();
  f.locks[0].variable = "from.guard";
  f.locks[0].variable_from = "source";
  expect_round_trip(f);
  EXPECT_NE(render_json(f).find("\"variable\":\"from.guard\",\"variable_from\":\"source\""),
            std::string::npos);
  auto parsed = parse_finding_json(
      "{\"schema_version\":1,\"kind\":\"deadlock\",\"locks\":[{\"id\":3,\"name\":\"\",\"type\":\"std::"
      "mutex\"}]}");
  ASSERT_TRUE(parsed) << parsed.error;
  EXPECT_EQ(parsed.value->locks.at(0).variable, "");
}

// A thread of the parent process that a forked child's deadlock names (added
// in schema version 1 without a bump: a record without it reads as false).
TEST(FindingJson, VanishedAtForkRoundTripsAndMayBeAbsent) {
  finding f = samples::ab_ba_deadlock();
  f.states[1].vanished_at_fork = true;
  expect_round_trip(f);
  EXPECT_NE(render_json(f).find("\"vanished_at_fork\":true"), std::string::npos);
  EXPECT_NE(render_json(samples::ab_ba_deadlock()).find("\"vanished_at_fork\":false"), std::string::npos);
  auto parsed = parse_finding_json(
      "{\"schema_version\":1,\"kind\":\"deadlock\",\"states\":[{\"thread\":1,\"holds\":[3]}]}");
  ASSERT_TRUE(parsed) << parsed.error;
  EXPECT_FALSE(parsed.value->states.at(0).vanished_at_fork);
}

TEST(FindingJson, ToleratesWhitespaceUnknownFieldsAndAbsentOptionalFields) {
  auto parsed =
      parse_finding_json("  {\"schema_version\":1,\"kind\":\"data-race\",\"future_field\":[1,2]}\r\n");
  ASSERT_TRUE(parsed) << parsed.error;
  EXPECT_EQ(parsed.value->kind, finding_kind::data_race);
  EXPECT_TRUE(parsed.value->sites.empty());
}

struct bad_case {
  const char* line;
  const char* error;
};

class FindingJsonRejects : public testing::TestWithParam<bad_case> {};

TEST_P(FindingJsonRejects, WithAMessageNamingTheProblem) {
  auto parsed = parse_finding_json(GetParam().line);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error.find(GetParam().error), std::string::npos) << parsed.error;
}

INSTANTIATE_TEST_SUITE_P(
    BadRecords, FindingJsonRejects,
    testing::Values(
        bad_case{"", "malformed JSON"}, bad_case{"{\"schema_version\":1,", "malformed JSON"},
        bad_case{"not json", "malformed JSON"},
        bad_case{"[1,2]", "field 'record': expected an object, got array"},
        bad_case{"{\"kind\":\"deadlock\"}", "missing 'schema_version'"},
        bad_case{"{\"schema_version\":2,\"kind\":\"deadlock\"}", "unsupported schema_version 2"},
        bad_case{"{\"schema_version\":\"1\",\"kind\":\"deadlock\"}",
                 "field 'schema_version': expected an integer"},
        bad_case{"{\"schema_version\":1}", "missing 'kind'"},
        bad_case{"{\"schema_version\":1,\"kind\":\"dedlock\"}", "unknown kind 'dedlock'"},
        bad_case{"{\"schema_version\":1,\"kind\":7}", "field 'kind': expected a string"},
        bad_case{"{\"schema_version\":1,\"kind\":\"deadlock\",\"pid\":\"x\"}",
                 "field 'pid': expected an integer"},
        bad_case{"{\"schema_version\":1,\"kind\":\"deadlock\",\"locks\":{}}",
                 "field 'locks': expected an array"},
        bad_case{"{\"schema_version\":1,\"kind\":\"deadlock\",\"locks\":[{\"id\":-3}]}",
                 "field 'locks[0].id': expected an unsigned integer"},
        bad_case{"{\"schema_version\":1,\"kind\":\"deadlock\",\"cycle\":[{\"acquired\":{\"line\":1.5}}]}",
                 "field 'cycle[0].acquired.line': expected an integer"},
        bad_case{"{\"schema_version\":1,\"kind\":\"deadlock\",\"states\":[{\"holds\":[1,\"a\"]}]}",
                 "field 'states[0].holds[1]': expected an unsigned integer"},
        bad_case{"{\"schema_version\":1,\"kind\":\"deadlock\",\"sites\":[{\"frames\":[{\"internal\":1}]}]}",
                 "field 'sites[0].frames[0].internal': expected true or false"},
        bad_case{"{\"schema_version\":1,\"kind\":\"deadlock\",\"sites\":[{\"line\":99999999999}]}",
                 "field 'sites[0].line': expected a 32-bit integer"}),
    // Named by index: without a name, CTest's names carry the printed
    // parameter (two pointers), which changes from build to build.
    [](const testing::TestParamInfo<bad_case>& param) { return "case_" + std::to_string(param.index); });

TEST(FindingsJsonLines, ReadsEveryRecordInOrderSkippingBlankLines) {
  std::istringstream report(render_json(samples::bank_inversion()) + "\n \t\r\n\n" +
                            render_json(samples::destroy_locked()) + "\n");
  auto parsed = parse_findings_json_lines(report, "saved.jsonl");
  ASSERT_TRUE(parsed) << parsed.error;
  ASSERT_EQ(parsed.value->size(), 2u);
  EXPECT_TRUE(equal((*parsed.value)[0], samples::bank_inversion()));
  EXPECT_TRUE(equal((*parsed.value)[1], samples::destroy_locked()));

  std::istringstream empty("");
  auto none = parse_findings_json_lines(empty, "empty.jsonl");
  ASSERT_TRUE(none) << none.error;
  EXPECT_TRUE(none.value->empty());
}

TEST(FindingsJsonLines, FirstMalformedLineIsNamedWithItsNumber) {
  std::istringstream report(render_json(samples::bank_inversion()) +
                            "\n\n{\"kind\":\"deadlock\"}\ngarbage\n");
  auto parsed = parse_findings_json_lines(report, "saved.jsonl");
  EXPECT_FALSE(parsed);
  EXPECT_TRUE(parsed.error.starts_with("saved.jsonl:3: missing 'schema_version'")) << parsed.error;
}

}  // namespace
}  // namespace concheck::detector
