// End-to-end tests of race detection's samples (samples/counter_race_*,
// thread_local_request, heap_stats_*; docs/race.md): each program, built with
// concheck_instrument(), runs as a child with JSON reports and the access
// summary, and its data-race findings (docs/report-format.md, "data-race") and
// summary records ("access-summary") are checked against the sample's source:
// the lines marked `// RACE` are the racing accesses, `// ALLOCATION` the
// allocation site a heap race names.
//
// They need the whole of race detection (hooks, engine and the runtime's
// integration); CMake registers them only when the samples can be built.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace {

using nlohmann::json;

struct race_run {
  concheck::test::child_result child;
  std::vector<json> findings;  // records with a "kind"
  std::vector<json> summary;   // "access-summary" records
};

race_run run_race_sample(const std::string& name,
                         const std::string& options = "format=json:access_summary=1") {
  race_run run;
  run.child = concheck::test::run_child({std::string(CONCHECK_SAMPLES_DIR) + "/" + name},
                                        concheck::test::with_env({"CONCHECK_OPTIONS=" + options}));
  for (const std::string& line : concheck::test::json_lines(run.child.err)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) continue;
    if (parsed.contains("kind")) run.findings.push_back(parsed);
    if (parsed.value("record", "") == "access-summary") run.summary.push_back(parsed);
  }
  return run;
}

std::string describe(const race_run& run) {
  return "exit " + std::to_string(run.child.exit_code) + ", signal " + std::to_string(run.child.signal) +
         (run.child.timed_out ? " (timed out)" : "") + "\nstdout:\n" + run.child.out + "\nstderr:\n" +
         run.child.err;
}

// The lines of samples/<name>.cpp that contain `marker`.
std::set<int> marked_lines(const std::string& name, const std::string& marker) {
  std::ifstream source(std::string(CONCHECK_SAMPLES_SOURCE_DIR) + "/" + name + ".cpp");
  std::set<int> lines;
  std::string text;
  for (int line = 1; std::getline(source, text); ++line) {
    if (text.find(marker) != std::string::npos) lines.insert(line);
  }
  return lines;
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<json> races(const race_run& run) {
  std::vector<json> out;
  for (const json& finding : run.findings) {
    if (finding.at("kind") == "data-race") out.push_back(finding);
  }
  return out;
}

// Both accesses of a data-race finding: at a `// RACE` line of the sample, by
// two different threads, at least one a write, neither atomic.
void expect_racing_accesses(const std::string& name, const json& race) {
  const std::set<int> racy_lines = marked_lines(name, "// RACE");
  ASSERT_FALSE(racy_lines.empty()) << name;
  ASSERT_EQ(race.at("sites").size(), 2u) << race.dump(2);
  ASSERT_EQ(race.at("accesses").size(), 2u) << race.dump(2);
  for (const json& site : race.at("sites")) {
    EXPECT_TRUE(ends_with(site.at("file").get<std::string>(), name + ".cpp")) << race.dump(2);
    EXPECT_TRUE(racy_lines.count(site.at("line").get<int>())) << race.dump(2);
  }
  const json& now = race.at("accesses").at(0);
  const json& before = race.at("accesses").at(1);
  EXPECT_NE(now.at("thread"), before.at("thread")) << race.dump(2);
  EXPECT_TRUE(now.at("write").get<bool>() || before.at("write").get<bool>()) << race.dump(2);
  EXPECT_FALSE(now.at("atomic").get<bool>()) << race.dump(2);
  EXPECT_FALSE(before.at("atomic").get<bool>()) << race.dump(2);
  // The accessing threads are described (and, for a heap block, the one that
  // allocated it).
  std::set<std::uint64_t> described;
  for (const json& thread : race.at("threads")) described.insert(thread.at("id").get<std::uint64_t>());
  EXPECT_TRUE(described.count(now.at("thread").get<std::uint64_t>())) << race.dump(2);
  EXPECT_TRUE(described.count(before.at("thread").get<std::uint64_t>())) << race.dump(2);
}

void expect_no_race(const std::string& name) {
  const race_run run = run_race_sample(name);
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);
  EXPECT_TRUE(run.findings.empty()) << describe(run);
}

const json* summary_of_global(const race_run& run, const std::string& name) {
  for (const json& record : run.summary) {
    if (record.at("memory").at("kind") == "global" && record.at("memory").at("name") == name) return &record;
  }
  return nullptr;
}

TEST(SamplesRace, CounterRaceBuggyReportsTheRaceOnTheGlobalOnce) {
  const race_run run = run_race_sample("counter_race_buggy");
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);  // not fatal by default: the program goes on
  EXPECT_NE(run.child.out.find("counter = "), std::string::npos) << describe(run);
  const std::vector<json> found = races(run);
  ASSERT_EQ(found.size(), 1u) << describe(run);  // one racy location, reported once
  EXPECT_EQ(run.findings.size(), 1u) << describe(run);
  const json& race = found.front();
  expect_racing_accesses("counter_race_buggy", race);
  EXPECT_EQ(race.at("memory").at("kind"), "global") << race.dump(2);
  EXPECT_EQ(race.at("memory").at("name"), "counter") << race.dump(2);
  const json* record = summary_of_global(run, "counter");
  ASSERT_NE(record, nullptr) << describe(run);
  EXPECT_EQ(record->at("sharing"), "racy") << record->dump(2);
}

TEST(SamplesRace, CounterRaceBuggyFailsWithHaltOnError) {
  const race_run run = run_race_sample("counter_race_buggy", "format=json:halt_on_error=1");
  EXPECT_EQ(run.child.exit_code, 66) << describe(run);
  ASSERT_EQ(races(run).size(), 1u) << describe(run);
}

TEST(SamplesRace, CounterRaceFixedMutexIsCleanAndLocked) {
  expect_no_race("counter_race_fixed_mutex");
  const race_run run = run_race_sample("counter_race_fixed_mutex");
  const json* record = summary_of_global(run, "counter");
  ASSERT_NE(record, nullptr) << describe(run);
  EXPECT_EQ(record->at("sharing"), "locked") << record->dump(2);
  ASSERT_EQ(record->at("locks").size(), 1u) << record->dump(2);
}

TEST(SamplesRace, CounterRaceFixedAtomicIsClean) {
  expect_no_race("counter_race_fixed_atomic");
  const race_run run = run_race_sample("counter_race_fixed_atomic", "format=json:halt_on_error=1");
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);
}

TEST(SamplesRace, ThreadLocalRequestIsCleanAndItsContextsThreadLocal) {
  const race_run run = run_race_sample("thread_local_request");
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);
  EXPECT_TRUE(run.findings.empty()) << describe(run);
  const std::set<int> allocation = marked_lines("thread_local_request", "// ALLOCATION");
  ASSERT_EQ(allocation.size(), 1u);
  const json* contexts = nullptr;
  for (const json& record : run.summary) {
    const json& memory = record.at("memory");
    if (memory.at("kind") == "heap" &&
        ends_with(memory.at("allocated").at("file").get<std::string>(), "thread_local_request.cpp") &&
        memory.at("allocated").at("line").get<int>() == *allocation.begin()) {
      contexts = &record;
    }
  }
  ASSERT_NE(contexts, nullptr) << describe(run);
  EXPECT_EQ(contexts->at("sharing"), "thread-local") << contexts->dump(2);
  EXPECT_EQ(contexts->at("blocks"), 4) << contexts->dump(2);  // one per worker
  for (const json& record : run.summary) EXPECT_NE(record.at("sharing"), "racy") << record.dump(2);
}

TEST(SamplesRace, HeapStatsBuggyNamesTheBlockAndItsAllocationSite) {
  const race_run run = run_race_sample("heap_stats_buggy");
  EXPECT_EQ(run.child.exit_code, 0) << describe(run);
  const std::vector<json> found = races(run);
  ASSERT_FALSE(found.empty()) << describe(run);
  EXPECT_LE(found.size(), 2u) << describe(run);  // at most once per field
  EXPECT_EQ(run.findings.size(), found.size()) << describe(run);
  const std::set<int> allocation = marked_lines("heap_stats_buggy", "// ALLOCATION");
  ASSERT_EQ(allocation.size(), 1u);
  for (const json& race : found) {
    expect_racing_accesses("heap_stats_buggy", race);
    const json& memory = race.at("memory");
    EXPECT_EQ(memory.at("kind"), "heap") << race.dump(2);
    EXPECT_EQ(memory.at("size"), 16) << race.dump(2);  // sizeof(stats): two longs
    EXPECT_TRUE(memory.at("offset") == 0 || memory.at("offset") == 8) << race.dump(2);
    const json& allocated = memory.at("allocated");
    EXPECT_TRUE(ends_with(allocated.at("file").get<std::string>(), "heap_stats_buggy.cpp")) << race.dump(2);
    EXPECT_EQ(allocated.at("line"), *allocation.begin()) << race.dump(2);
    EXPECT_EQ(allocated.at("function"), "main") << race.dump(2);
    // The workers are created by vector<std::thread>::emplace_back inlined
    // into main: their creation site is main, not libstdc++'s
    // _M_start_thread (libbacktrace finds no inlined chain there with gcc 12).
    for (const json& thread : race.at("threads")) {
      if (thread.at("id") == 0) continue;
      EXPECT_EQ(thread.at("created").at("function"), "main") << race.dump(2);
    }
  }
}

TEST(SamplesRace, HeapStatsFixedIsClean) {
  expect_no_race("heap_stats_fixed");
}

}  // namespace
