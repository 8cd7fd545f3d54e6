// Explore mode's stall watch (docs/explore.md, "Failures"): a controlled
// thread that reaches no scheduling point for stall_ms of its own time (CPU
// time, or real time asleep: stall_meter.hpp) ends the schedule as
// step-bound-exceeded, unless it is building a report (report_begins ..
// report_ends, as make_site does around symbolization, which can take
// seconds the first time in a process on a loaded machine). The rule itself
// is checked on synthetic readings; a spin and a pipe end to end.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "concheck/explore.hpp"
#include "explore_scheduler.hpp"
#include "stall_meter.hpp"

namespace {

using concheck::detail::explore::stall_meter;
using concheck::detail::explore::thread_sample;

// Busy for `ms` of this thread's CPU time with no scheduling point (the
// thread CPU clock is not virtual; however loaded the machine, the watch
// sees that much CPU time).
void busy_for(int ms) {
  const auto cpu_ms = [] {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
  };
  const auto start = cpu_ms();
  while (cpu_ms() - start < ms) {
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

// Real milliseconds (gettimeofday: steady_clock is virtual in a controlled
// thread).
long real_ms() {
  timeval now{};
  ::gettimeofday(&now, nullptr);
  return now.tv_sec * 1000 + now.tv_usec / 1000;
}

// A controlled thread the machine does not run (here: its process stopped)
// is not stalled, however long that lasts in real time: the watch counts
// its CPU time, which does not grow. The child stops itself in the middle of
// a stretch without scheduling points, the test resumes it after 1.5 times
// stall_ms (real time passing while nothing of the child runs, as on a
// loaded machine; it decides no interleaving), and the thread then goes on
// for 300 ms of real time, at most 300 ms of CPU time, so that the watch
// (every 50 ms) looks at it before its next point. The real-time watch
// ended this schedule there (a replay runs the body without the stop).
TEST(ExploreStall, AThreadTheMachineDoesNotRunIsNoStall) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto options = one_schedule();
    options.stall_ms = 1000;
    static bool stopped = false;  // once: a failed schedule is replayed
    const auto result = concheck::explore(options, [] {
      const long before = real_ms();
      if (!stopped) {
        stopped = true;
        // The watch (explore()'s caller, the child's main thread) must be
        // in its loop, asleep between looks, before the stop.
        while (concheck::detail::explore::read_thread_sample(::getpid(), 1).state != 'S') {
        }
        ::kill(::getpid(), SIGSTOP);
        // The stop may take effect after kill() returns: wait until it has
        // come and gone (it lasts 1.5 s; delivering it takes microseconds).
        while (real_ms() - before < 1000) {
        }
      }
      const long resumed = real_ms();
      while (real_ms() - resumed < 300) {
      }
      std::mutex m;
      std::lock_guard<std::mutex> g(m);
    });
    if (result.failure) std::fprintf(stderr, "%s\n", result.failure->report.c_str());
    ::_exit(result.ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, WUNTRACED), child);
  ASSERT_TRUE(WIFSTOPPED(status));
  const timespec stopped_for{1, 500 * 1000 * 1000};
  ::nanosleep(&stopped_for, nullptr);
  ::kill(child, SIGCONT);
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ExploreStall, ReadingAPipeNobodyWritesIsAStall) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  // The thread stays blocked in read() for the rest of the process: the
  // pipe is never closed.
  const auto result = concheck::explore(one_schedule(), [fd = ends[0]] {
    char c = 0;
    (void)!::read(fd, &c, 1);
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "step-bound-exceeded") << result.failure->report;
}

constexpr std::uint64_t kMs = 1'000'000;

thread_sample sample(char state, std::uint64_t cpu_ms) {
  return thread_sample{state, cpu_ms * kMs};
}

TEST(StallMeter, RunnableButNotRunCountsNothing) {
  // A loaded machine: runnable for 10 s of real time, 20 ms on a CPU.
  stall_meter meter;
  meter.restart(0, sample('R', 100));
  std::uint64_t counted = 0;
  for (std::uint64_t ms = 50; ms <= 10'000; ms += 50)
    counted = meter.observe(ms * kMs, sample('R', 100 + ms / 500));
  EXPECT_EQ(counted, 20 * kMs);
}

TEST(StallMeter, DiskWaitsCountOnlyTheirCpuTime) {
  stall_meter meter;
  meter.restart(0, sample('R', 0));
  meter.observe(3000 * kMs, sample('D', 30));
  EXPECT_EQ(meter.observe(6000 * kMs, sample('D', 40)), 40 * kMs);
}

TEST(StallMeter, StoppedCountsNothing) {
  stall_meter meter;
  meter.restart(0, sample('R', 5));
  EXPECT_EQ(meter.observe(9000 * kMs, sample('T', 5)), 0u);
}

TEST(StallMeter, ASpinCountsItsCpuTime) {
  stall_meter meter;
  meter.restart(0, sample('R', 0));
  meter.observe(50 * kMs, sample('R', 50));
  EXPECT_EQ(meter.observe(100 * kMs, sample('R', 100)), 100 * kMs);
}

TEST(StallMeter, SleepingCountsRealTimeOnceAsleepAtBothSamples) {
  stall_meter meter;
  meter.restart(0, sample('R', 0));
  EXPECT_EQ(meter.observe(50 * kMs, sample('S', 10)), 10 * kMs);  // went to sleep meanwhile
  EXPECT_EQ(meter.observe(5050 * kMs, sample('S', 10)), 5010 * kMs);
  meter.restart(6000 * kMs, sample('S', 10));  // a scheduling point starts over
  EXPECT_EQ(meter.counted_ns(), 0u);
}

TEST(StallMeter, WithoutReadingsRealTimeCounts) {
  stall_meter meter;
  meter.restart(0, thread_sample{});
  EXPECT_EQ(meter.observe(700 * kMs, thread_sample{}), 700 * kMs);
}

TEST(StallMeter, ReadsThisThreadsStateAndCpuTime) {
  busy_for(30);
  const thread_sample own = concheck::detail::explore::read_thread_sample(
      static_cast<int>(::gettid()), 1'000'000'000 / ::sysconf(_SC_CLK_TCK));
  EXPECT_EQ(own.state, 'R');
  EXPECT_GE(own.cpu_ns, 20 * kMs);  // /proc counts in clock ticks (10 ms)
  EXPECT_EQ(concheck::detail::explore::read_thread_sample(0, 10 * kMs).state, 0);
}

}  // namespace
