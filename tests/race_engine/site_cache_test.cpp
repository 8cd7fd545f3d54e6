// The per-thread memo and cache of access sites (race_context.hpp's
// site_of, shadow_stack.cpp's current_site_slow) keep what a loop and a
// few queue operations look up, so that their accesses do not store their
// stacks in the depot again and again (issue 12, `pipeline`).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::kPcA;
using testing::kPcB;
using testing::kPcC;
using testing::worker;

struct misses {
  std::uint64_t memo = 0;
  std::uint64_t cache = 0;
};
misses misses_now() {
  const thread_context* self = current_context();
  return self == nullptr ? misses{} : misses{self->site_memo_misses, self->site_cache_misses};
}

// The read and the write pc of one vectorized byte loop in a build of
// bench/race's `pipeline`: the memo's former index, (pc ^ pc >> 4) % 16,
// gave both the same entry, and every access of the loop missed it.
constexpr std::uintptr_t kLoopRead = 0x55db14ad9eac;
constexpr std::uintptr_t kLoopWrite = 0x55db14ad9de8;

TEST(RaceSites, ALoopsReadAndWritePcsBothStayInTheMemo) {
  worker thread;
  thread.run([] {
    func_entry(kPcA);
    const std::uint32_t read_site = current_site(kLoopRead);
    const std::uint32_t write_site = current_site(kLoopWrite);
    const misses before = misses_now();
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(current_site(kLoopRead), read_site);
      EXPECT_EQ(current_site(kLoopWrite), write_site);
    }
    EXPECT_EQ(misses_now().memo, before.memo);
    func_exit();
  });
}

// Any two pcs that share a set of the memo both stay: it has two ways.
TEST(RaceSites, TwoPcsOfOneMemoSetBothStay) {
  std::uintptr_t first = kPcA, second = kPcA + 1;
  while (site_memo_set(second) != site_memo_set(first)) ++second;
  worker thread;
  thread.run([&] {
    func_entry(kPcB);
    const std::uint32_t first_site = current_site(first);
    const std::uint32_t second_site = current_site(second);
    EXPECT_NE(first_site, second_site);
    const misses before = misses_now();
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(current_site(first), first_site);
      EXPECT_EQ(current_site(second), second_site);
    }
    EXPECT_EQ(misses_now().memo, before.memo);
    func_exit();
  });
}

// Queue operations: each call looks up its few dozen pcs again (a call
// stales the memo), under the stacks of its callers. 72 of them, at pcs a
// few bytes apart as in a function's code, fit in the cache: the second
// round stores no stack in the depot (the former 64 direct-mapped entries,
// indexed by (pc ^ pc >> 9 ^ hash(stack)) % 64, missed 20 of them).
TEST(RaceSites, AFewDozenPcsUnderThreeStacksStayInTheCache) {
  std::vector<std::uintptr_t> pcs;
  for (std::uintptr_t pc = 0x55db14ad9400; pcs.size() < 24; pc += 7) pcs.push_back(pc);
  worker thread;
  thread.run([&] {
    // Reserved: a vector's growth copies with memcpy, whose interposition
    // looks a site up too.
    std::vector<std::uint32_t> first_round, second_round;
    first_round.reserve(72);
    second_round.reserve(72);
    const auto round = [&](std::vector<std::uint32_t>& sites) {
      for (const std::uintptr_t caller : {kPcA, kPcB, kPcC}) {
        func_entry(caller);
        for (const std::uintptr_t pc : pcs) sites.push_back(current_site(pc));
        func_exit();
      }
    };
    round(first_round);
    const misses before = misses_now();
    round(second_round);
    EXPECT_EQ(second_round, first_round);
    EXPECT_EQ(misses_now().memo - before.memo, first_round.size());  // each call stales the memo
    EXPECT_EQ(misses_now().cache, before.cache);
  });
}

}  // namespace
}  // namespace concheck::race
