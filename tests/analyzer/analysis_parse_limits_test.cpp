// run_isolated (parse_limits.hpp): the work's result comes back from the
// child; work that never ends is stopped by the time limit, work that grows
// without end by the memory limit (neither can finish on its own, so no
// timing luck is involved), and a crash or an exception is a failure with
// its reason, never a crash of the caller.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

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
