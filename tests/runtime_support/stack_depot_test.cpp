// The stack depot: ids are stable per distinct stack, concurrent inserts
// agree, capture sees this file's frames, and a full depot drops new stacks
// (counted) instead of growing.
#include "stack_depot.hpp"

#include <gtest/gtest.h>

#include <barrier>
#include <cstdlib>
#include <thread>
#include <vector>

#include "report_sink.hpp"

namespace concheck::detail {
namespace {

[[gnu::noinline]] stack_id capture_here() {
  const stack_id id = capture_stack();
  asm volatile("" ::: "memory");  // keeps the call from becoming a tail call
  return id;
}

TEST(stack_depot, same_stack_same_id_distinct_stacks_distinct_ids) {
  std::vector<stack_id> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(capture_here());
  ASSERT_NE(ids[0], kNoStack);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[1], ids[2]);
  const stack_id other = capture_stack();
  EXPECT_NE(other, kNoStack);
  EXPECT_NE(other, ids[0]);
}

// Three call paths into one capture site. The capture_stack frame address and
// its caller are the same for all three (same depth, same leaf), so only the
// validation of the per-thread capture cache tells them apart.
[[gnu::noinline]] stack_id leaf_capture(int path) {
  asm volatile("" ::"r"(path));
  const stack_id id = capture_stack();
  asm volatile("" ::: "memory");
  return id;
}
[[gnu::noinline]] stack_id via_first() {
  const stack_id id = leaf_capture(1);
  asm volatile("" ::: "memory");
  return id;
}
[[gnu::noinline]] stack_id via_second() {
  const stack_id id = leaf_capture(2);
  asm volatile("nop" ::: "memory");
  return id;
}
[[gnu::noinline]] stack_id via_third() {
  const stack_id id = leaf_capture(3);
  asm volatile("nop\n\tnop" ::: "memory");
  return id;
}

// The pc one level above leaf_capture, i.e. inside via_*.
std::uintptr_t second_pc(stack_id id) {
  const auto pcs = stack_pcs(id);
  return pcs.size() > 1 ? pcs[1] : 0;
}

[[gnu::noinline]] stack_id through(int path) {
  stack_id id = kNoStack;
  switch (path) {
    case 0:
      id = via_first();
      break;
    case 1:
      id = via_second();
      break;
    default:
      id = via_third();
      break;
  }
  asm volatile("" ::: "memory");
  return id;
}

TEST(stack_depot, repeated_captures_from_different_paths_stay_distinct) {
  // Paths in an order that keeps evicting the 2-entry cache, and repeats.
  const int order[] = {0, 1, 2, 1, 1, 0, 2, 2, 0};
  stack_id ids[3] = {kNoStack, kNoStack, kNoStack};
  for (int round = 0; round < 30; ++round) {
    for (int path : order) {
      const stack_id id = through(path);  // one call site for every path
      ASSERT_NE(id, kNoStack);
      if (ids[path] == kNoStack) ids[path] = id;
      EXPECT_EQ(id, ids[path]) << "path " << path << " round " << round;
    }
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
  EXPECT_NE(ids[0], ids[2]);
  EXPECT_EQ(stack_pcs(ids[0])[0], stack_pcs(ids[1])[0]);  // the same capture site in leaf_capture
  EXPECT_NE(second_pc(ids[0]), second_pc(ids[1]));
  EXPECT_NE(second_pc(ids[1]), second_pc(ids[2]));
}

// New threads start with an empty cache of their own but usually get the
// stack of the thread that ended before them (glibc's stack cache): captures
// then come from the same stack positions, and the shared cache must still
// tell the paths apart by what the slots hold.
TEST(stack_depot, new_threads_on_a_reused_stack_keep_paths_distinct) {
  const int order[] = {0, 1, 2, 1, 0, 2, 2, 0, 1};
  stack_id ids[3] = {kNoStack, kNoStack, kNoStack};
  for (int round = 0; round < 4; ++round) {
    for (int path : order) {
      stack_id id = kNoStack;
      std::thread t([&] { id = through(path); });  // one thread per capture, joined before the next
      t.join();
      ASSERT_NE(id, kNoStack);
      if (ids[path] == kNoStack) ids[path] = id;
      EXPECT_EQ(id, ids[path]) << "path " << path << " round " << round;
    }
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
  EXPECT_NE(ids[0], ids[2]);
  EXPECT_NE(second_pc(ids[0]), second_pc(ids[1]));
  EXPECT_NE(second_pc(ids[1]), second_pc(ids[2]));
}

TEST(stack_depot, store_and_read_back) {
  const std::uintptr_t pcs[] = {0x1000, 0x2000, 0x3000};
  const stack_id id = store_stack(pcs, 3);
  ASSERT_NE(id, kNoStack);
  EXPECT_EQ(stack_pcs(id), (std::vector<std::uintptr_t>{0x1000, 0x2000, 0x3000}));
  EXPECT_EQ(store_stack(pcs, 3), id);
  EXPECT_NE(store_stack(pcs, 2), id);  // a prefix is a different stack
  EXPECT_EQ(store_stack(pcs, 0), kNoStack);
  EXPECT_TRUE(stack_pcs(kNoStack).empty());
  const stack_id one = stack_from_pc(0x4242);
  EXPECT_EQ(stack_pcs(one), (std::vector<std::uintptr_t>{0x4242}));
  EXPECT_EQ(stack_from_pc(0), kNoStack);
}

TEST(stack_depot, capture_starts_in_caller_and_respects_skip) {
  const auto pcs = stack_pcs(capture_here());
  ASSERT_GE(pcs.size(), 2u);
  // The first frame is inside capture_here (the return address of its call).
  const auto here = reinterpret_cast<std::uintptr_t>(&capture_here);
  EXPECT_GT(pcs[0], here);
  EXPECT_LT(pcs[0], here + 256);
  EXPECT_LE(pcs.size(), 32u);  // default stack_depth
}

TEST(stack_depot, concurrent_inserts_of_one_stack_agree) {
  constexpr int kThreads = 4;
  constexpr int kStacks = 200;
  std::barrier start(kThreads);
  std::vector<std::vector<stack_id>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();  // all threads insert the same new stacks at once
      for (int s = 0; s < kStacks; ++s) {
        const std::uintptr_t pcs[] = {0xABC000u + static_cast<std::uintptr_t>(s), 0xDEF000, 0x123};
        ids[t].push_back(store_stack(pcs, 3));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t], ids[0]);
  for (int s = 0; s < kStacks; ++s) {
    EXPECT_NE(ids[0][s], kNoStack);
    EXPECT_EQ(stack_pcs(ids[0][s]).front(), 0xABC000u + static_cast<std::uintptr_t>(s));
  }
}

// Returns 0 when a full depot behaves: old stacks still found, new ones
// dropped and counted.
int fill_depot_and_check() {
  const std::uintptr_t first[] = {0x77};
  const stack_id kept = store_stack(first, 1);
  for (std::uintptr_t i = 0; i < kMaxStacks + 10; ++i) {
    const std::uintptr_t pcs[] = {0x100000 + i, 0x5};
    store_stack(pcs, 2);
  }
  const auto stats = get_stack_depot_stats();
  const std::uintptr_t fresh[] = {0x99, 0x98};
  const bool ok = kept != kNoStack && stats.dropped >= 10 && stats.stacks < kMaxStacks &&
                  store_stack(first, 1) == kept && store_stack(fresh, 2) == kNoStack &&
                  capture_here() == kNoStack;
  return ok ? 0 : 1;
}

// Fills the depot in a child process (it would stay full for later tests).
TEST(stack_depot_death, full_depot_drops_new_stacks_and_keeps_old_ones) {
  EXPECT_EXIT(std::_Exit(fill_depot_and_check()), ::testing::ExitedWithCode(0), "");
}

// Fills the depot but for its reserve with deep stacks: a new deep stack is
// then kept truncated to its innermost frames, and the next report starts
// with one warning saying so (and only one).
int fill_with_deep_stacks_and_report() {
  constexpr std::size_t kDepth = 20;
  std::uintptr_t pcs[kDepth];
  for (std::size_t k = 0; k < kDepth; ++k) pcs[k] = 0x4000 + k;
  // Until the part outside the reserve is full (the process may hold a few
  // stacks already).
  for (std::uintptr_t i = 0; get_stack_depot_stats().stacks + 1 < kMaxStacks - kReserveStacks; ++i) {
    pcs[kDepth - 1] = 0x10000000 + i;
    store_stack(pcs, kDepth);
  }
  pcs[kDepth - 1] = 0x7fff0000;
  const stack_id cut = store_stack(pcs, kDepth);
  const auto stats = get_stack_depot_stats();
  if (cut == kNoStack || stack_pcs(cut).size() != kReserveDepth || stack_pcs(cut).front() != 0x4000 ||
      stats.truncated != 1 || stats.dropped != 0) {
    return 1;
  }
  for (int n = 0; n < 2; ++n) {
    detector::finding finding;
    finding.kind = detector::finding_kind::unlock_not_owned;
    finding.message = n == 0 ? "first report" : "second report";
    emit_finding(finding);
  }
  return 0;
}

TEST(stack_depot_death, nearly_full_depot_keeps_innermost_frames_and_warns_once) {
  EXPECT_EXIT(
      std::_Exit(fill_with_deep_stacks_and_report()), ::testing::ExitedWithCode(0),
      "concheck: warning: the stack store is full \\([0-9]+ distinct stacks\\): stacks captured since keep "
      "only their 8 innermost frames \\(1 so far\\)(.|\n)*first report(.|\n)*second report");
}

}  // namespace
}  // namespace concheck::detail
