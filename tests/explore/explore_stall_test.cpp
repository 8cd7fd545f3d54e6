// Explore mode's stall watch (docs/explore.md, "Failures"): a controlled
// thread that reaches no scheduling point for stall_ms of real time ends the
// schedule as step-bound-exceeded, unless it is building a report
// (report_begins .. report_ends, as make_site does around symbolization,
// which can take seconds the first time in a process on a loaded machine).
#include <gtest/gtest.h>
#include <sys/time.h>

#include <mutex>

#include "concheck/explore.hpp"
#include "explore_scheduler.hpp"

namespace {

// Busy for `ms` of real time with no scheduling point. gettimeofday: in a
// controlled thread steady_clock reads the schedule's virtual clock, which
// stands still between points.
void busy_for(int ms) {
  timeval start{};
  ::gettimeofday(&start, nullptr);
  for (;;) {
    timeval now{};
    ::gettimeofday(&now, nullptr);
    if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_usec - start.tv_usec) / 1000 >= ms) return;
  }
}

concheck::explore_options one_schedule() {
  concheck::explore_options o;
  o.strategy = concheck::explore_strategy::random;
  o.schedules = 1;
  o.stall_ms = 200;
  return o;
}

TEST(ExploreStall, ALongPointlessStretchIsAStall) {
  const auto result = concheck::explore(one_schedule(), [] { busy_for(600); });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "step-bound-exceeded") << result.failure->report;
}

TEST(ExploreStall, BuildingAReportIsNotAStall) {
  const auto result = concheck::explore(one_schedule(), [] {
    concheck::detail::explore::report_begins();
    busy_for(600);
    concheck::detail::explore::report_ends();
    std::mutex m;  // and the schedule goes on
    std::lock_guard<std::mutex> g(m);
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

}  // namespace
