// internal_lock (detector/include/concheck/detector/internal_lock.hpp): mutual
// exclusion, try_lock, the fork reset, and the debug lock-order check. The check
// is enabled here whatever the build type: this translation unit gets the
// checked type (a distinct type, see the header), the library keeps its own.
#define CONCHECK_CHECK_LOCK_ORDER 1
#include "concheck/detector/internal_lock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

namespace concheck::detail {
namespace {

static_assert(CONCHECK_CHECK_LOCK_ORDER == 1);

TEST(InternalLock, TryLockFailsWhileHeldAndSucceedsWhenFree) {
  internal_lock lock{lock_rank::monitor};
  lock.lock();
  bool taken_elsewhere = true;
  std::thread other([&] { taken_elsewhere = lock.try_lock(); });
  other.join();
  EXPECT_FALSE(taken_elsewhere);
  lock.unlock();
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
}

TEST(InternalLock, ExcludesContendingThreads) {
  // Enough threads and iterations that waiters spin and sleep in the futex.
  internal_lock lock{lock_rank::monitor};
  constexpr int kThreads = 4;
  constexpr int kIterations = 20000;
  long counter = 0;  // plain: a lost update means the lock failed
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kIterations; ++i) {
        internal_guard guard(lock);
        counter = counter + 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, long{kThreads} * kIterations);
}

TEST(InternalLock, BlockedThreadGetsTheLockOnlyAfterRelease) {
  internal_lock lock{lock_rank::monitor};
  std::atomic<bool> acquired{false};
  lock.lock();
  std::latch started(1);
  std::thread waiter([&] {
    started.count_down();
    internal_guard guard(lock);
    acquired.store(true);
  });
  started.wait();
  EXPECT_FALSE(acquired.load());  // it cannot have the lock: this thread holds it
  lock.unlock();
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TEST(InternalLock, ResetAfterForkFreesTheLockAndSaysWhetherItWasHeld) {
  internal_lock lock{lock_rank::monitor};
  EXPECT_FALSE(lock.reset_after_fork());
  lock.lock();
  EXPECT_TRUE(lock.reset_after_fork());
  ASSERT_TRUE(lock.try_lock());
  lock.unlock();
}

TEST(InternalLockOrder, IncreasingRanksAreAllowedAndMayBeReleasedInAnyOrder) {
  internal_lock registry{lock_rank::thread_registry};
  internal_lock table{lock_rank::lock_table};
  internal_lock monitor{lock_rank::monitor};
  registry.lock();
  table.lock();
  monitor.lock();
  table.unlock();  // not LIFO
  registry.unlock();
  monitor.unlock();
  // Nothing is held any more: any order may start again.
  monitor.lock();
  monitor.unlock();
  registry.lock();
  registry.unlock();
}

TEST(InternalLockOrder, TryLockMayGoAgainstTheOrderButCountsAsHeld) {
  internal_lock registry{lock_rank::thread_registry};
  internal_lock sink{lock_rank::report_sink};
  sink.lock();
  ASSERT_TRUE(registry.try_lock());  // cannot block, so cannot deadlock
  registry.unlock();
  sink.unlock();
}

TEST(InternalLockOrder, AResetLockNoLongerCountsAsHeld) {
  internal_lock registry{lock_rank::thread_registry};
  internal_lock table{lock_rank::lock_table};
  table.lock();
  EXPECT_TRUE(table.reset_after_fork());
  registry.lock();  // would be out of order if `table` still counted
  registry.unlock();
}

using InternalLockOrderDeathTest = ::testing::Test;

TEST_F(InternalLockOrderDeathTest, TakingALowerRankWhileHoldingAHigherOneAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        internal_lock registry{lock_rank::thread_registry};
        internal_lock table{lock_rank::lock_table};
        table.lock();
        registry.lock();
      },
      "internal lock order violated: acquiring the thread registry lock while holding the lock table "
      "lock");
}

TEST_F(InternalLockOrderDeathTest, TwoLocksOfOneRankAtOnceAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        internal_lock first{lock_rank::monitor};
        internal_lock second{lock_rank::monitor};
        first.lock();
        second.lock();
      },
      "internal lock order violated: acquiring the monitor lock while holding the monitor lock");
}

TEST_F(InternalLockOrderDeathTest, RelockingAHeldLockAbortsInsteadOfHanging) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        internal_lock lock{lock_rank::symbolizer};
        lock.lock();
        lock.lock();
      },
      "internal lock taken twice by one thread");
}

}  // namespace
}  // namespace concheck::detail
