// Race detection end to end: race_scenarios.cpp, compiled with
// -fsanitize=thread and linked with libconcheck, runs one scenario per child
// process; its JSON Lines log is read back here. Every kind of
// synchronization the runtime sees has a clean scenario (a false race would
// be reported) and, where the lesson has one, a racy twin (a missed edge
// would be reported, a missing one found).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "child_process.hpp"
#include "concheck/detector/log_records.hpp"

namespace {

using concheck::detector::accessed_location;
using concheck::detector::finding;
using concheck::detector::finding_kind;

struct run_result {
  std::vector<finding> races;
  std::vector<accessed_location> summary;
  std::string out;
  std::string err;
  int exit_code = -1;
};

run_result run(const std::string& scenario, const std::string& extra_options = "",
               const char* program = CONCHECK_RACE_SCENARIOS) {
  const auto child = concheck::test::run_child(
      {program, scenario}, concheck::test::with_env({"CONCHECK_OPTIONS=format=json" + extra_options}));
  run_result result;
  result.out = child.out;
  result.err = child.err;
  result.exit_code = child.exit_code;
  for (const std::string& line : concheck::test::json_lines(child.err)) {
    auto parsed = concheck::detector::parse_log_record(line);
    EXPECT_TRUE(parsed) << parsed.error << "\n" << line;
    if (!parsed) continue;
    if (const auto* f = std::get_if<finding>(&*parsed.value)) {
      EXPECT_EQ(f->kind, finding_kind::data_race) << line;
      if (f->kind == finding_kind::data_race) result.races.push_back(*f);
    } else if (const auto* l = std::get_if<accessed_location>(&*parsed.value)) {
      result.summary.push_back(*l);
    }
  }
  return result;
}

bool site_in(const finding& f, std::size_t index, const std::string& function) {
  return index < f.sites.size() && f.sites[index].function.find(function) != std::string::npos;
}

void expect_clean(const std::string& scenario) {
  SCOPED_TRACE(scenario);
  const run_result r = run(scenario);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.races.empty()) << r.err;
}

// One race, between `first` (the later access) and `second`, on `variable`.
finding expect_one_race(const std::string& scenario, const std::string& first, const std::string& second,
                        const std::string& variable) {
  SCOPED_TRACE(scenario);
  const run_result r = run(scenario);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.races.size(), 1u) << r.err;
  if (r.races.empty()) return {};
  const finding& f = r.races.front();
  EXPECT_TRUE(site_in(f, 0, first)) << r.err;
  EXPECT_TRUE(site_in(f, 1, second)) << r.err;
  EXPECT_EQ(f.accesses.size(), 2u);
  if (!variable.empty()) {
    EXPECT_EQ(f.memory.kind, "global") << r.err;
    EXPECT_EQ(f.memory.name, variable) << r.err;
  }
  EXPECT_NE(f.accesses.at(0).thread, f.accesses.at(1).thread);
  return f;
}

TEST(RaceSynchronization, OneMutexOrdersTheIncrements) {
  expect_clean("mutex-ok");
}

TEST(RaceSynchronization, TwoDifferentMutexesDoNotAndTheReportNamesWhatEachHeld) {
  const finding f = expect_one_race("mutex-race", "increment_under", "increment_under", "g_counter");
  ASSERT_EQ(f.accesses.size(), 2u);
  ASSERT_EQ(f.accesses[0].held.size(), 1u);
  ASSERT_EQ(f.accesses[1].held.size(), 1u);
  EXPECT_NE(f.accesses[0].held[0], f.accesses[1].held[0]);
  // ++g_counter reads first: the second thread's read meets the first's write.
  EXPECT_FALSE(f.accesses[0].write);
  EXPECT_TRUE(f.accesses[1].write);
  EXPECT_EQ(f.accesses[0].size, 4u);
  EXPECT_EQ(f.locks.size(), 2u);
}

TEST(RaceSynchronization, ReadersAndWritersOfAnRwlockAreOrdered) {
  expect_clean("rwlock-ok");
}

TEST(RaceSynchronization, TwoReadersWritingUnderTheReadLockRace) {
  expect_one_race("rwlock-reader-writes", "write_table_shared", "write_table_shared", "g_table");
}

TEST(RaceSynchronization, ConditionVariableHandOffIsClean) {
  expect_clean("condition-variable-ok");
}

TEST(RaceSynchronization, SemaphorePostThenWaitOrders) {
  expect_clean("semaphore-ok");
}

TEST(RaceSynchronization, WithoutTheSemaphoreTheHandOffRaces) {
  const finding f = expect_one_race("semaphore-missing", "consume", "produce", "g_data");
  ASSERT_EQ(f.accesses.size(), 2u);
  EXPECT_FALSE(f.accesses[0].write);
  EXPECT_TRUE(f.accesses[1].write);
}

TEST(RaceSynchronization, ADetachedThreadIsOrderedOnlyByWhatItSynchronizesWith) {
  expect_clean("detach-ok");
  expect_one_race("detach-race", "consume", "produce", "g_data");
}

TEST(RaceSynchronization, LatchesEventsAndQueuesOrderTheirHandOffs) {
  expect_clean("concheck-latch-ok");
  expect_clean("std-latch-ok");
  expect_clean("event-ok");
  expect_clean("queue-ok");
}

TEST(RaceSynchronization, BarrierOrdersEveryArrivalBeforeEveryDeparture) {
  expect_clean("barrier-ok");
}

TEST(RaceSynchronization, ThreadCreationAndJoinOrder) {
  expect_clean("create-join-ok");
}

TEST(RaceSynchronization, ReleaseStoreAndAcquireLoadHandOffIsClean) {
  expect_clean("release-acquire-ok");
}

TEST(RaceSynchronization, RelaxedHandOffRacesOnThePayload) {
  expect_one_race("relaxed-race", "", "", "g_payload");
}

TEST(RaceSynchronization, FencesAroundRelaxedAtomicsOrder) {
  expect_clean("fence-ok");
}

TEST(RaceSynchronization, CallOnceAndStaticLocalInitializationAreOrdered) {
  expect_clean("once-ok");
}

TEST(RaceSynchronization, InstrumentedAndPlainCodeMixInOneProgram) {
  const run_result r = run("mixed-ok");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.races.empty()) << r.err;
  EXPECT_NE(r.out.find("mixed 4"), std::string::npos) << r.out;
}

TEST(RaceReports, ARaceRuleSuppressesTheRaceByItsVariable) {
  const std::string rules = ::testing::TempDir() + "/race_suppressions.txt";
  {
    std::FILE* file = std::fopen(rules.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("race:g_counter\n", file);
    std::fclose(file);
  }
  const run_result r = run("mutex-race", ":suppressions=" + rules);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.races.empty()) << r.err;
  EXPECT_NE(r.err.find("suppressed 1 finding"), std::string::npos) << r.err;
}

TEST(RaceReports, TheGoogleTestListenerFailsTheTestThatRaced) {
  const auto child = concheck::test::run_child({CONCHECK_RACE_GTEST_CHILD});
  EXPECT_NE(child.exit_code, 0) << child.out;
  EXPECT_NE(child.out.find("[  FAILED  ] RaceChild.PlainCounterRaces"), std::string::npos) << child.out;
  EXPECT_NE(child.out.find("data-race"), std::string::npos) << child.out;
  EXPECT_NE(child.out.find("[       OK ] RaceChild.LockedCounterIsClean"), std::string::npos) << child.out;
}

TEST(RaceMemory, MemcpyRangesRaceWithAMemset) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "memset is AddressSanitizer's to intercept in the sanitizer build";
#endif
  expect_one_race("memcpy-race", "copy_into_buffer", "fill_buffer", "g_buffer");
}

TEST(RaceMemory, MemcpyRangesUnderALockAreClean) {
  expect_clean("memcpy-locked-ok");
}

#if defined(__SANITIZE_ADDRESS__)
#define CONCHECK_NO_HEAP_TRACKING 1  // ASan owns the allocator (runtime/src/race/interpose_alloc.cpp)
#endif

TEST(RaceMemory, AReusedHeapBlockHasNoStaleRace) {
#ifdef CONCHECK_NO_HEAP_TRACKING
  GTEST_SKIP() << "heap tracking is left out under AddressSanitizer";
#endif
  const run_result r = run("heap-reuse-ok");
  EXPECT_TRUE(r.races.empty()) << r.err;
  // The scenario is only meaningful if the second thread got the same block.
  EXPECT_NE(r.out.find("reused 1"), std::string::npos) << r.out;
}

TEST(RaceMemory, AHeapRaceNamesTheBlockItsOffsetAndItsAllocationSite) {
#ifdef CONCHECK_NO_HEAP_TRACKING
  GTEST_SKIP() << "heap tracking is left out under AddressSanitizer";
#endif
  const finding f = expect_one_race("heap-race", "count_request", "count_request", "");
  EXPECT_EQ(f.memory.kind, "heap");
  EXPECT_EQ(f.memory.size, 16u);
  EXPECT_EQ(f.memory.offset, 0u);
  EXPECT_NE(f.memory.allocated.function.find("heap_race"), std::string::npos) << f.memory.allocated.function;
  EXPECT_NE(f.memory.allocated.file.find("race_scenarios.cpp"), std::string::npos);
  EXPECT_GT(f.memory.allocated.line, 0);
}

// The runtime linked into the executable (concheck_instrument(t STATIC)):
// every clean scenario stays clean and every racy one reports the same races,
// between the same functions, on the same memory, as with libconcheck.so.
TEST(RaceStaticRuntime, EveryScenarioHasTheSameVerdictAsWithTheSharedRuntime) {
#ifdef CONCHECK_NO_HEAP_TRACKING
  GTEST_SKIP() << "the static archive's allocator interposition is ASan's in the sanitizer build";
#endif
  for (const char* scenario : {"mutex-ok",
                               "mutex-race",
                               "rwlock-ok",
                               "rwlock-reader-writes",
                               "condition-variable-ok",
                               "semaphore-ok",
                               "semaphore-missing",
                               "detach-ok",
                               "detach-race",
                               "concheck-latch-ok",
                               "event-ok",
                               "queue-ok",
                               "std-latch-ok",
                               "barrier-ok",
                               "create-join-ok",
                               "release-acquire-ok",
                               "relaxed-race",
                               "fence-ok",
                               "once-ok",
                               "mixed-ok",
                               "memcpy-race",
                               "memcpy-locked-ok",
                               "heap-reuse-ok",
                               "heap-race"}) {
    SCOPED_TRACE(scenario);
    const run_result shared = run(scenario);
    const run_result linked = run(scenario, "", CONCHECK_RACE_SCENARIOS_STATIC);
    EXPECT_EQ(linked.exit_code, shared.exit_code) << linked.err;
    ASSERT_EQ(linked.races.size(), shared.races.size()) << "static:\n"
                                                        << linked.err << "shared:\n"
                                                        << shared.err;
    for (std::size_t i = 0; i < shared.races.size(); ++i) {
      const finding& a = linked.races[i];
      const finding& b = shared.races[i];
      ASSERT_EQ(a.sites.size(), b.sites.size()) << linked.err;
      for (std::size_t s = 0; s < a.sites.size(); ++s) EXPECT_EQ(a.sites[s].function, b.sites[s].function);
      EXPECT_EQ(a.memory.kind, b.memory.kind) << linked.err;
      EXPECT_EQ(a.memory.name, b.memory.name) << linked.err;
      EXPECT_EQ(a.memory.size, b.memory.size) << linked.err;
    }
  }
}

TEST(RaceSummary, ClassifiesEveryGlobalTheRunTouched) {
  const run_result r = run("summary", ":access_summary=1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto find = [&](const std::string& name) -> const accessed_location* {
    for (const auto& l : r.summary)
      if (l.memory.kind == "global" && l.memory.name == name) return &l;
    ADD_FAILURE() << "no summary record for " << name << "\n" << r.err;
    return nullptr;
  };
  if (const auto* l = find("g_only_main")) {
    EXPECT_EQ(l->sharing, "thread-local");
    EXPECT_EQ(l->thread.id, 0u);
  }
  if (const auto* l = find("g_under_lock")) {
    EXPECT_EQ(l->sharing, "locked");
    ASSERT_EQ(l->locks.size(), 1u);
    EXPECT_EQ(l->locks[0].variable, "g_counter_lock");
  }
  if (const auto* l = find("g_atomic")) {
    EXPECT_EQ(l->sharing, "synchronized");
    EXPECT_TRUE(l->atomic);
  }
  if (const auto* l = find("g_racy")) {
    EXPECT_EQ(l->sharing, "racy");
  }
  // Racy first: the summary is ordered by what needs attention.
  ASSERT_FALSE(r.summary.empty());
  EXPECT_EQ(r.summary.front().sharing, "racy");
}

// An unlock publishes the thread's clock before the real unlock and the
// lockset loses the lock after it (so the next owner does not wait for that
// bookkeeping), yet before the thread's next access. For a mutex, a spin lock
// and a write-locked rwlock: the writes under the lock are "locked" by it;
// a write right after the unlock is not covered by the lock's clock, races
// with the other thread's, and is reported holding no lock.
TEST(RaceSummary, AWriteRightAfterAnUnlockIsNotUnderTheLock) {
  const run_result r = run("unlock-lockset", ":access_summary=1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.races.size(), 3u) << r.err;
  for (const finding& f : r.races) {
    EXPECT_EQ(f.memory.name.rfind("g_after_", 0), 0u) << f.memory.name;
    ASSERT_EQ(f.accesses.size(), 2u);
    EXPECT_TRUE(f.accesses[0].held.empty()) << f.memory.name;
    EXPECT_TRUE(f.accesses[1].held.empty()) << f.memory.name;
  }
  auto verdict = [&](const std::string& name, std::size_t* locks = nullptr) -> std::string {
    for (const auto& l : r.summary) {
      if (l.memory.kind != "global" || l.memory.name != name) continue;
      if (locks != nullptr) *locks = l.locks.size();
      return l.sharing;
    }
    return "(no record)";
  };
  for (const std::string kind : {"mutex", "spin", "rwlock"}) {
    SCOPED_TRACE(kind);
    std::size_t locks = 0;
    EXPECT_EQ(verdict("g_in_" + kind, &locks), "locked") << r.err;
    EXPECT_EQ(locks, 1u);
    EXPECT_EQ(verdict("g_after_" + kind), "racy") << r.err;
  }
}

TEST(RaceSummary, TextSummaryListsTheSameVerdicts) {
  const auto child = concheck::test::run_child(
      {CONCHECK_RACE_SCENARIOS, "summary"}, concheck::test::with_env({"CONCHECK_OPTIONS=access_summary=1"}));
  EXPECT_NE(child.err.find("==== concheck: access summary ===="), std::string::npos) << child.err;
  EXPECT_NE(child.err.find("thread-local  global 'g_only_main'"), std::string::npos) << child.err;
  EXPECT_NE(child.err.find("locked        global 'g_under_lock'"), std::string::npos) << child.err;
  EXPECT_NE(child.err.find("racy          global 'g_racy'"), std::string::npos) << child.err;
}

// Explore mode: instrumented atomics are scheduling points, so a bug in the
// order of lock-free operations is found and replayed.
TEST(RaceExplore, AtomicsAreSchedulingPointsSoACheckThenActIsFound) {
  const run_result found = run("explore-check-then-act");
  EXPECT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("failure kind=assertion-failure reproduced=1"), std::string::npos)
      << found.out << found.err;
  // Without access points the body has no scheduling point to interleave at.
  const run_result missed = run("explore-check-then-act", ":explore_access_points=none");
  EXPECT_NE(missed.out.find("no failure"), std::string::npos) << missed.out << missed.err;
}

TEST(RaceExplore, ASpinOnAnAtomicEndsUnderEveryStrategy) {
  const run_result r = run("explore-spin");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* strategy : {"strategy 1: no failure", "strategy 2: no failure", "strategy 3: no failure",
                               "strategy 4: no failure"}) {
    EXPECT_NE(r.out.find(strategy), std::string::npos) << r.out << r.err;
  }
}

// A spin on an atomic nobody sets, in instrumented code, is still a livelock
// now that only steps without progress count toward the step bound.
TEST(RaceExplore, ASpinOnAnAtomicNobodySetsIsALivelockThatReplays) {
  const run_result r = run("explore-spin-forever");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("failure kind=step-bound-exceeded reproduced=1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("replay kind=step-bound-exceeded"), std::string::npos) << r.out << r.err;
}

TEST(RaceExplore, ARaceFailsItsScheduleAndItsReplay) {
  const run_result r = run("explore-race");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("failure kind=data-race reproduced=1 schedule=0"), std::string::npos)
      << r.out << r.err;
}

TEST(RaceExplore, AReadInAControlledThreadRacesWithAWrite) {
  const run_result r = run("explore-read-race");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("failure kind=data-race reproduced=1"), std::string::npos) << r.out << r.err;
}

// Code built without instrumentation says what it accesses
// (concheck/shared.hpp): the annotated accesses race, or are ordered by a
// lock, exactly like instrumented ones.
TEST(RaceAnnotations, SharedValuesRaceUnlessALockOrdersThem) {
  const run_result racy = run("shared-race", "", CONCHECK_RACE_ANNOTATIONS);
  EXPECT_EQ(racy.exit_code, 0) << racy.err;
  ASSERT_EQ(racy.races.size(), 1u) << racy.err;
  const finding& f = racy.races.front();
  EXPECT_TRUE(site_in(f, 0, "count_hit")) << racy.err;
  EXPECT_TRUE(site_in(f, 1, "count_hit")) << racy.err;
  EXPECT_EQ(f.memory.kind, "global");
  EXPECT_NE(f.memory.name.find("g_hits"), std::string::npos) << f.memory.name;
  const run_result locked = run("shared-locked-ok", "", CONCHECK_RACE_ANNOTATIONS);
  EXPECT_EQ(locked.exit_code, 0) << locked.err;
  EXPECT_TRUE(locked.races.empty()) << locked.err;
}

TEST(RaceAnnotations, ReadAndWriteMacrosAnnotatePlainVariables) {
  const run_result r = run("macro-race", "", CONCHECK_RACE_ANNOTATIONS);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.races.size(), 1u) << r.err;
  const finding& f = r.races.front();
  EXPECT_TRUE(site_in(f, 0, "read_plain")) << r.err;
  EXPECT_TRUE(site_in(f, 1, "write_plain")) << r.err;
  EXPECT_NE(f.memory.name.find("g_plain"), std::string::npos) << f.memory.name;
}

}  // namespace
