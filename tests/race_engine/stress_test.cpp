// The engine under real concurrency: threads that synchronize correctly get
// no report whatever the interleaving, and the engine's own structures (read
// sets, stripes, sync clocks) hold up (the ASan build checks memory safety).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race/read_sets.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"
#include "thread_registry.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::kPcA;
using testing::kPcB;
using testing::take_races;

TEST(RaceEngineStress, CorrectlySynchronizedThreadsNeverRace) {
  take_races();
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  buffer shared(256);    // updated under the lock
  buffer constant(256);  // written before the threads start, then only read
  std::atomic<bool> spin{false};
  read_sets_sweep();
  const std::uint64_t sets_before = get_engine_stats().read_sets;
  write_range(constant.address(), 256, kPcA);
  std::vector<std::thread> threads;
  std::vector<thread_token> tokens;
  for (int t = 0; t < kThreads; ++t) tokens.push_back(thread_create());
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      thread_start(tokens[t], detail::current_thread()->state.id());
      for (int round = 0; round < kRounds; ++round) {
        // Concurrent readers make read sets; the range stays inside the buffer
        // (an overrun would leave read sets on memory reset_range never clears).
        read_range(constant.address((round * 8) % (256 - 24 + 8)), 24, kPcB);
        while (spin.exchange(true, std::memory_order_acquire)) {
        }
        acquire(&spin);
        lock_acquired(1);
        const std::uintptr_t at = shared.address((round * 8 + t * 64) % 256);
        read(at, 8, kPcA);
        write(at, 8, kPcA);
        write(shared.address(t), 1, kPcB);  // bytes of one granule, each thread its own
        lock_released(1);
        release(&spin);
        spin.store(false, std::memory_order_release);
      }
      thread_exit();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(take_races().empty());
  forget_sync(&spin);
  reset_range(constant.address(), 256);
  // Concurrent lock-free reads may have orphaned read sets (read_sets.hpp):
  // the sweep returns them.
  read_sets_sweep();
  EXPECT_EQ(get_engine_stats().read_sets, sets_before);
}

}  // namespace
}  // namespace concheck::race

namespace concheck::race {
namespace {

// A stripe lock held by another thread at fork() is freed in the child, so
// the child's accesses to that granule do not hang.
TEST(RaceEngineFork, TheChildsEngineLocksAreFree) {
  buffer memory(64);
  testing::worker holder;
  holder.run([&] { stripe_lock_for(memory.address()).lock(); });
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    after_fork_child();
    write(memory.address(), 8, kPcA);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  holder.run([&] { stripe_lock_for(memory.address()).unlock(); });
}

}  // namespace
}  // namespace concheck::race
