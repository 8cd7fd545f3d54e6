// finding_key: one key per distinct problem, independent of lock objects,
// thread ids, pids and which edge closed the cycle.
#include "concheck/detector/finding_key.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "report_samples.hpp"

namespace concheck::detector {
namespace {

TEST(FindingKey, CycleKeyDoesNotDependOnRotation) {
  finding f = samples::bank_inversion();
  finding rotated = f;
  std::rotate(rotated.cycle.begin(), rotated.cycle.begin() + 1, rotated.cycle.end());
  EXPECT_EQ(finding_key(f), finding_key(rotated));
}

TEST(FindingKey, SameCodePathWithFreshLockObjectsIsOneFinding) {
  finding f = samples::bank_inversion();
  finding again = f;
  for (auto& edge : again.cycle) {
    edge.from += 1000;
    edge.to += 1000;
    edge.thread += 5;
  }
  for (auto& lock : again.locks) lock.id += 1000;
  again.pid = 1;
  again.test = "Other.Test";
  again.message = "other words";
  EXPECT_EQ(finding_key(f), finding_key(again));
}

TEST(FindingKey, DifferentAcquisitionSitesAreDifferentFindings) {
  finding f = samples::bank_inversion();
  finding other = f;
  other.cycle[1].acquired.line = 99;
  EXPECT_NE(finding_key(f), finding_key(other));
  finding different_kind = f;
  different_kind.kind = finding_kind::deadlock;
  EXPECT_NE(finding_key(f), finding_key(different_kind));
}

// Issue 9: two unrelated inversions taken through one helper (`both(a, b)`
// and `both(c, d)`, called from different functions) have the same sites;
// their callers tell them apart. The same caller over fresh locks stays one.
TEST(FindingKey, OneHelperCalledFromTwoPlacesIsTwoFindings) {
  auto cycle_through_helper = [](const char* caller_ab, const char* caller_ba) {
    finding f = samples::bank_inversion();
    f.cycle[0].from_acquired = samples::user_site("both", "/src/h.cpp", 10,
                                                  {samples::user_frame(caller_ab, "/src/h.cpp", 20, 0x20)});
    f.cycle[0].acquired = samples::user_site("both", "/src/h.cpp", 11,
                                             {samples::user_frame(caller_ab, "/src/h.cpp", 20, 0x20)});
    f.cycle[1].from_acquired = samples::user_site("both", "/src/h.cpp", 10,
                                                  {samples::user_frame(caller_ba, "/src/h.cpp", 30, 0x30)});
    f.cycle[1].acquired = samples::user_site("both", "/src/h.cpp", 11,
                                             {samples::user_frame(caller_ba, "/src/h.cpp", 30, 0x30)});
    return f;
  };
  const finding accounts = cycle_through_helper("accounts_ab", "accounts_ba");
  finding queues = cycle_through_helper("queues_cd", "queues_dc");
  EXPECT_NE(finding_key(accounts), finding_key(queues));
  finding accounts_again = cycle_through_helper("accounts_ab", "accounts_ba");
  for (auto& edge : accounts_again.cycle) edge.from += 1000, edge.to += 1000;
  EXPECT_EQ(finding_key(accounts), finding_key(accounts_again));
}

TEST(FindingKey, SitelessCyclesFallBackToLockIds) {
  finding a;
  a.cycle = {{1, 2, 0, false, false, {}, {}}, {2, 1, 0, false, false, {}, {}}};
  finding b = a;
  b.cycle[0].to = 3;
  b.cycle[1].from = 3;
  EXPECT_NE(finding_key(a), finding_key(b));
  finding rotated = a;
  std::swap(rotated.cycle[0], rotated.cycle[1]);
  EXPECT_EQ(finding_key(a), finding_key(rotated));
}

TEST(FindingKey, UnsymbolizedSitesUseModuleAndOffsetNotPc) {
  finding a;
  a.kind = finding_kind::unlock_not_owned;
  site s;
  s.frames.push_back(frame{0x7f001234, "/lib/libapp.so", 0x1234, "", "", 0, false});
  a.sites = {s};
  finding b = a;
  b.sites[0].frames[0].pc = 0x7e001234;  // another run, another load address
  EXPECT_EQ(finding_key(a), finding_key(b));
  b.sites[0].frames[0].offset = 0x1238;
  EXPECT_NE(finding_key(a), finding_key(b));
}

TEST(FindingKey, MisuseKeysOnKindAndFirstSite) {
  finding a = samples::destroy_locked();
  finding b = a;
  b.locks[0].id = 77;
  b.sites[1].line = 31;  // a different locker, same destruction site
  EXPECT_EQ(finding_key(a), finding_key(b));
  b.sites[0].line = 12;
  EXPECT_NE(finding_key(a), finding_key(b));
}

// Issue 3: two locks destroyed while held at one line are two findings; the
// same lock (same creation site and address) misused again is one.
TEST(FindingKey, DistinctLocksMisusedAtOneLineAreDistinctFindings) {
  for (finding_kind kind : {finding_kind::destroy_locked, finding_kind::unlock_not_owned}) {
    finding a = samples::destroy_locked();
    a.kind = kind;
    finding again = a;
    again.locks[0].id = 78;  // ids are not identity across reports
    EXPECT_EQ(finding_key(a), finding_key(again));
    finding other_address = a;
    other_address.locks[0].address = a.locks[0].address + 64;
    EXPECT_NE(finding_key(a), finding_key(other_address));
    finding other_creation = a;
    other_creation.locks[0].created = samples::creation_site("make_other", "/src/other.cpp", 5);
    EXPECT_NE(finding_key(a), finding_key(other_creation));
  }
}

TEST(FindingKey, DeadlockKeysOnWaitingSitesInAnyOrder) {
  finding a = samples::ab_ba_deadlock();
  finding b = a;
  std::swap(b.states[0], b.states[1]);
  EXPECT_EQ(finding_key(a), finding_key(b));
  EXPECT_NE(finding_key(samples::lost_wakeup()), finding_key(a));
}

TEST(FindingKey, DataRaceKeyIsOrderIndependent) {
  finding a;
  a.kind = finding_kind::data_race;
  a.sites = {samples::creation_site("write", "/src/r.cpp", 3),
             samples::creation_site("read", "/src/r.cpp", 9)};
  finding b = a;
  std::swap(b.sites[0], b.sites[1]);
  EXPECT_EQ(finding_key(a), finding_key(b));
}

TEST(FindingKey, NoSiteAtAllUsesTheMessage) {
  finding a;
  a.kind = finding_kind::step_bound_exceeded;
  a.message = "10000 steps";
  finding b = a;
  b.message = "20000 steps";
  EXPECT_NE(finding_key(a), finding_key(b));
}

}  // namespace
}  // namespace concheck::detector
