// run_isolated (parse_limits.hpp): the work's result comes back from the
// child; work that never ends is stopped by the time limit, work that grows
// without end by the memory limit (neither can finish on its own, so no
// timing luck is involved), and a crash or an exception is a failure with
// its reason, never a crash of the caller. The time limit is on the time
// the child is charged for (child_time.hpp): a child that waits asleep
// forever reaches it, one that is kept from running (stopped here, as load
// keeps a parse from a CPU) does not.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_time.hpp"
#include "parse_limits.hpp"

using namespace concheck::analyzer;

namespace {

TEST(analysis_parse_limits, result_comes_back) {
  std::string big(3 << 20, 'x');  // larger than a pipe's buffer
  big[12345] = 'y';
  auto outcome = run_isolated([&] { return big; }, file_limits{10, 512});
  ASSERT_EQ(outcome.status, isolated_status::ok) << outcome.detail;
  EXPECT_EQ(outcome.payload, big);
}

TEST(analysis_parse_limits, endless_work_hits_the_time_limit) {
  auto outcome = run_isolated(
      [] {
        for (;;) asm volatile("");  // a loop the compiler may not remove
        return std::string();
      },
      file_limits{1, 0});
  EXPECT_EQ(outcome.status, isolated_status::time_limit);
  EXPECT_GE(outcome.seconds, 1.0);
  EXPECT_TRUE(outcome.payload.empty());
  EXPECT_EQ(limit_message("a.cpp", outcome, file_limits{1, 0}),
            "a.cpp: error: cannot analyze: stopped after the time limit of 1 s per file (--file-time-limit)");
}

TEST(analysis_parse_limits, waiting_asleep_forever_hits_the_time_limit) {
  auto outcome = run_isolated(
      [] {
        int fds[2];
        if (::pipe(fds) != 0) return std::string("no pipe");
        char c = 0;
        (void)::read(fds[0], &c, 1);  // the child holds the write end: never returns
        return std::string("read");
      },
      file_limits{1, 0});
  EXPECT_EQ(outcome.status, isolated_status::time_limit);
  EXPECT_GE(outcome.charged_seconds, 1.0);
}

// The child stops itself; a process of its own keeps it stopped for 2 s of
// real time, then continues it. Stopped, it uses no CPU and is not asleep,
// so the 1 s limit is not reached (a real-time limit was).
TEST(analysis_parse_limits, time_kept_from_running_is_not_charged) {
  auto outcome = run_isolated(
      [] {
        const pid_t child = ::getpid();
        const pid_t waker = ::fork();
        if (waker < 0) return std::string("no fork");
        if (waker == 0) {
          ::close(3);  // the result pipe: the supervisor must see its end when the child's comes
          char path[64];
          std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(child));
          for (;;) {  // until the child is stopped
            FILE* f = std::fopen(path, "r");
            char text[512] = {};
            if (f != nullptr) {
              (void)std::fread(text, 1, sizeof text - 1, f);
              std::fclose(f);
            }
            const char* close = std::strrchr(text, ')');
            if (close != nullptr && close[1] == ' ' && close[2] == 'T') break;
            ::usleep(1000);
          }
          timespec two{2, 0};
          while (::nanosleep(&two, &two) != 0) {
          }
          ::kill(child, SIGCONT);
          ::_exit(0);
        }
        ::raise(SIGSTOP);
        int status = 0;
        ::waitpid(waker, &status, 0);
        return std::string("continued");
      },
      file_limits{1, 0});
  ASSERT_EQ(outcome.status, isolated_status::ok) << outcome.detail;
  EXPECT_EQ(outcome.payload, "continued");
  EXPECT_GE(outcome.seconds, 2.0);
  EXPECT_LT(outcome.charged_seconds, 1.0);
}

TEST(analysis_parse_limits, charged_time_is_cpu_time_or_real_time_asleep) {
  child_sample running{true, false, 1.0, 10.0};
  child_sample later{true, false, 1.5, 14.0};  // 4 s of real time, 0.5 s of CPU: the rest waited for a CPU
  EXPECT_DOUBLE_EQ(charged_seconds(running, later), 0.5);
  child_sample asleep{true, true, 1.5, 14.0};
  child_sample still_asleep{true, true, 1.5, 17.0};  // asleep at both samples: the real time
  EXPECT_DOUBLE_EQ(charged_seconds(asleep, still_asleep), 3.0);
  EXPECT_DOUBLE_EQ(charged_seconds(later, still_asleep),
                   0.0);  // woke or fell asleep in between: its CPU time
  EXPECT_DOUBLE_EQ(charged_seconds(running, child_sample{}), 0.0);  // it ended
}

TEST(analysis_parse_limits, sample_of_a_sleeping_process_says_asleep) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c = 0;
    ::close(fds[1]);
    (void)::read(fds[0], &c, 1);
    ::_exit(0);
  }
  ::close(fds[0]);
  child_sample sample;
  for (int i = 0; i < 100000 && !sample.asleep; ++i) {  // until it blocks in read
    sample = sample_child(pid, 0);
    if (!sample.asleep) ::usleep(100);
  }
  EXPECT_TRUE(sample.valid);
  EXPECT_TRUE(sample.asleep);
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_FALSE(sample_child(pid, 0).valid);
}

TEST(analysis_parse_limits, endless_growth_hits_the_memory_limit) {
  auto outcome = run_isolated(
      [] {
        std::vector<char*> blocks;
        for (;;) {  // 1 MiB at a time, every page touched, at most ~1 GB/s
          char* block = static_cast<char*>(std::malloc(1 << 20));
          if (block == nullptr) break;
          std::memset(block, 1, 1 << 20);
          blocks.push_back(block);
          ::usleep(1000);
        }
        return std::string();
      },
      file_limits{0, 32});
  EXPECT_EQ(outcome.status, isolated_status::memory_limit);
  EXPECT_GT(outcome.growth, std::size_t{32} << 20);
  EXPECT_EQ(
      limit_message("a.cpp", outcome, file_limits{0, 32}),
      "a.cpp: error: cannot analyze: stopped at the memory limit of 32 MiB per file (--file-memory-limit)");
}

TEST(analysis_parse_limits, crash_and_exception_are_failures) {
  auto crashed = run_isolated([]() -> std::string { std::abort(); }, file_limits{10, 0});
  EXPECT_EQ(crashed.status, isolated_status::failed);
  EXPECT_EQ(crashed.detail, "its process was killed by signal 6");
  auto threw = run_isolated([]() -> std::string { throw std::runtime_error("no"); }, file_limits{10, 0});
  EXPECT_EQ(threw.status, isolated_status::failed);
  EXPECT_EQ(threw.detail, "its process failed (exit status 3)");
}

}  // namespace
