// Monitor engine rules, driven by synthetic event sequences.
#include "concheck/detector/monitor.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

namespace concheck::detector {
namespace {

// A tiny driver: named threads doing lock/unlock on numbered locks.
class monitor_test : public ::testing::Test {
 protected:
  monitor_thread& thread(thread_id id) {
    while (threads_.size() <= id) threads_.push_back(std::make_unique<monitor_thread>(threads_.size()));
    return *threads_[id];
  }

  // Blocking acquisition; returns the inversions it revealed.
  std::vector<std::vector<cycle_edge_view>> lock(thread_id t, lock_id l,
                                                 lock_mode mode = lock_mode::exclusive,
                                                 acquire_kind kind = acquire_kind::blocking,
                                                 relock_behavior relock = relock_behavior::blocks) {
    lock_event event{l, mode, kind, relock, 0x1000 + l};
    auto result = monitor_.before_lock(thread(t), event, &capture, this);
    last_ = result;
    monitor_.after_lock(thread(t), event, result.stack);
    total_ += result.inversions.size();
    return result.inversions;
  }
  bool unlock(thread_id t, lock_id l) { return monitor_.before_unlock(thread(t), l); }

  static stack_ref capture(void* self) { return ++static_cast<monitor_test*>(self)->captures_; }

  monitor monitor_;
  std::vector<std::unique_ptr<monitor_thread>> threads_;
  before_lock_result last_;
  std::size_t total_ = 0;
  stack_ref captures_ = 0;
};

TEST_F(monitor_test, AbBaInversionReportedOnceWithBothEdges) {
  lock(1, 10);
  EXPECT_TRUE(lock(1, 20).empty());
  unlock(1, 20);
  unlock(1, 10);
  lock(2, 20);
  auto found = lock(2, 10);
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(found[0].size(), 2u);
  EXPECT_EQ(found[0][0].from, 20u);  // closing edge first
  EXPECT_EQ(found[0][0].to, 10u);
  EXPECT_EQ(found[0][0].thread, 2u);
  EXPECT_EQ(found[0][1].from, 10u);
  EXPECT_EQ(found[0][1].to, 20u);
  EXPECT_EQ(found[0][1].thread, 1u);
  EXPECT_NE(found[0][1].to_stack, 0u);  // a stack was captured for the new edge
  unlock(2, 10);
  unlock(2, 20);
  // Again, in another thread: the same cycle is not reported twice.
  lock(3, 20);
  EXPECT_TRUE(lock(3, 10).empty());
  EXPECT_EQ(total_, 1u);
}

TEST_F(monitor_test, RepeatedNestingTouchesNoSharedStateAfterFirstTime) {
  for (int i = 0; i < 100; ++i) {
    lock(1, 1);
    lock(1, 2);
    unlock(1, 2);
    unlock(1, 1);
  }
  EXPECT_EQ(captures_, 1u);  // one new edge, one stack
  EXPECT_EQ(monitor_.stats().graph_edges, 1u);
}

TEST_F(monitor_test, NoHeldLockMeansNoWork) {
  lock(1, 1);
  unlock(1, 1);
  EXPECT_EQ(captures_, 0u);
  EXPECT_EQ(monitor_.stats().graph_nodes, 0u);
}

TEST_F(monitor_test, TryLockAddsNoEdgeButIsAFromLater) {
  lock(1, 1);
  lock(1, 2, lock_mode::exclusive, acquire_kind::try_lock);
  unlock(1, 2);
  unlock(1, 1);
  lock(2, 2);
  EXPECT_TRUE(lock(2, 1, lock_mode::exclusive, acquire_kind::try_lock).empty());
  unlock(2, 1);
  unlock(2, 2);
  EXPECT_EQ(monitor_.stats().graph_edges, 0u);
  // A lock taken by try_lock is the `from` of a later blocking acquisition.
  lock(3, 5, lock_mode::exclusive, acquire_kind::try_lock);
  lock(3, 6);
  EXPECT_EQ(monitor_.stats().graph_edges, 1u);
}

TEST_F(monitor_test, TimedAcquisitionAddsNoEdge) {
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  lock(2, 2);
  EXPECT_TRUE(lock(2, 1, lock_mode::exclusive, acquire_kind::timed).empty());
  EXPECT_EQ(total_, 0u);
}

TEST_F(monitor_test, ScopedLockBackOffIsClean) {
  // std::scoped_lock(a, b) / (b, a): lock the first, try the rest, and on
  // failure release and start from another one.
  lock(1, 1);
  lock(1, 2, lock_mode::exclusive, acquire_kind::try_lock);
  unlock(1, 1);
  unlock(1, 2);
  lock(2, 2);
  lock(2, 1, lock_mode::exclusive, acquire_kind::try_lock);
  unlock(2, 2);
  unlock(2, 1);
  lock(2, 1);  // back-off: start over from the other lock
  lock(2, 2, lock_mode::exclusive, acquire_kind::try_lock);
  EXPECT_EQ(total_, 0u);
}

TEST_F(monitor_test, GateLockedCycleIsNotReported) {
  lock(1, 100);  // gate
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  unlock(1, 100);
  lock(2, 100);
  lock(2, 2);
  EXPECT_TRUE(lock(2, 1).empty());
  EXPECT_EQ(total_, 0u);
}

TEST_F(monitor_test, GateThatIsNotAlwaysHeldDoesNotProtect) {
  lock(1, 100);
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  unlock(1, 100);
  lock(2, 100);
  lock(2, 2);
  EXPECT_TRUE(lock(2, 1).empty());  // gated so far
  unlock(2, 1);
  unlock(2, 2);
  unlock(2, 100);
  // Now 1 -> 2 without the gate: the cycle 1 -> 2 -> 1 can deadlock.
  lock(3, 1);
  auto found = lock(3, 2);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].size(), 2u);
}

TEST_F(monitor_test, SharedGateDoesNotProtect) {
  lock(1, 100, lock_mode::shared);
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  unlock(1, 100);
  lock(2, 100, lock_mode::shared);
  lock(2, 2);
  EXPECT_EQ(lock(2, 1).size(), 1u);
}

TEST_F(monitor_test, ReaderReaderCycleIsNotReported) {
  lock(1, 1, lock_mode::shared);
  lock(1, 2, lock_mode::shared);
  unlock(1, 2);
  unlock(1, 1);
  lock(2, 2, lock_mode::shared);
  EXPECT_TRUE(lock(2, 1, lock_mode::shared).empty());
  EXPECT_EQ(total_, 0u);
}

TEST_F(monitor_test, ReaderWriterCycleIsReported) {
  lock(1, 1, lock_mode::shared);
  lock(1, 2, lock_mode::exclusive);
  unlock(1, 2);
  unlock(1, 1);
  lock(2, 2, lock_mode::shared);
  // T2 holds 2 shared and wants 1 exclusive; T1 holds 1 shared and wants 2 exclusive.
  EXPECT_EQ(lock(2, 1, lock_mode::exclusive).size(), 1u);
}

TEST_F(monitor_test, ReaderReaderCycleBecomesReportableWhenAWriterJoins) {
  lock(1, 1, lock_mode::shared);
  lock(1, 2, lock_mode::shared);
  unlock(1, 2);
  unlock(1, 1);
  lock(2, 2, lock_mode::shared);
  EXPECT_TRUE(lock(2, 1, lock_mode::shared).empty());
  unlock(2, 1);
  unlock(2, 2);
  lock(3, 1, lock_mode::exclusive);
  EXPECT_EQ(lock(3, 2, lock_mode::exclusive).size(), 1u);
}

TEST_F(monitor_test, LongerUngatedCycleReportedWhenShortestIsGated) {
  lock(2, 100);  // gate
  lock(2, 2);
  lock(2, 1);  // 2 -> 1 under the gate
  unlock(2, 1);
  unlock(2, 2);
  unlock(2, 100);
  lock(3, 2);
  lock(3, 3);  // 2 -> 3, no gate
  unlock(3, 3);
  unlock(3, 2);
  lock(4, 3);
  lock(4, 1);  // 3 -> 1, no gate
  unlock(4, 1);
  unlock(4, 3);
  lock(1, 100);
  lock(1, 1);
  // 1 -> 2 under the gate closes 1 -> 2 -> 1 (gated: cannot deadlock) and
  // 1 -> 2 -> 3 -> 1 (three threads, no common gate: can deadlock).
  auto found = lock(1, 2);
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(found[0].size(), 3u);
  EXPECT_EQ(found[0][0].from, 1u);
  EXPECT_EQ(found[0][0].to, 2u);
  EXPECT_EQ(found[0][1].to, 3u);
  EXPECT_EQ(found[0][2].to, 1u);
}

TEST_F(monitor_test, FastPathAcceptsOnlyWhatBeforeLockWouldIgnore) {
  monitor_thread& t = thread(1);
  EXPECT_TRUE(t.fast_acquire_ok(1, lock_mode::exclusive, acquire_kind::blocking));  // holding nothing
  lock(1, 1);
  EXPECT_FALSE(t.fast_acquire_ok(2, lock_mode::exclusive, acquire_kind::blocking));  // new edge
  EXPECT_TRUE(t.fast_acquire_ok(2, lock_mode::exclusive, acquire_kind::try_lock));   // adds no edge
  EXPECT_FALSE(t.fast_acquire_ok(1, lock_mode::exclusive, acquire_kind::try_lock));  // held: full rules
  lock(1, 2);
  unlock(1, 2);
  EXPECT_TRUE(t.fast_acquire_ok(2, lock_mode::exclusive, acquire_kind::blocking));  // cached now
  EXPECT_FALSE(t.fast_acquire_ok(2, lock_mode::shared, acquire_kind::blocking));  // other mode: other context
  t.acquired_fast(2, 0x42, lock_mode::exclusive);
  ASSERT_EQ(t.held_count(), 2u);
  EXPECT_EQ(t.held(1).pc, 0x42u);
  EXPECT_FALSE(t.release_fast(1));  // not the newest: the full before_unlock handles it
  EXPECT_TRUE(t.release_fast(2));
  EXPECT_TRUE(t.release_fast(1));
  EXPECT_FALSE(t.release_fast(1));
  EXPECT_EQ(t.held_count(), 0u);
  EXPECT_EQ(captures_, 1u);
}

TEST_F(monitor_test, LongCycleReportedWhole) {
  constexpr lock_id kLocks = 40;
  for (lock_id i = 1; i < kLocks; ++i) {
    lock(i, i);
    EXPECT_TRUE(lock(i, i + 1).empty());
    unlock(i, i + 1);
    unlock(i, i);
  }
  lock(kLocks, kLocks);
  auto found = lock(kLocks, 1);
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(found[0].size(), kLocks);
  for (std::size_t i = 0; i < found[0].size(); ++i) {
    EXPECT_EQ(found[0][i].to, found[0][(i + 1) % found[0].size()].from);
  }
}

TEST_F(monitor_test, HundredsOfHeldLocks) {
  for (lock_id i = 1; i <= 300; ++i) lock(1, i);
  EXPECT_EQ(thread(1).held_count(), 300u);
  held_lock entry;
  EXPECT_TRUE(thread(1).find_held(250, entry));
  EXPECT_EQ(entry.lock, 250u);
  // Releasing out of order keeps the others.
  EXPECT_TRUE(unlock(1, 3));
  EXPECT_FALSE(thread(1).find_held(3, entry));
  EXPECT_TRUE(thread(1).find_held(300, entry));
  for (lock_id i = 300; i >= 1; --i) {
    if (i != 3) {
      EXPECT_TRUE(unlock(1, i));
    }
  }
  EXPECT_EQ(thread(1).held_count(), 0u);
  // The order 1 -> 300 is known; 300 -> 1 closes a cycle.
  lock(2, 300);
  EXPECT_EQ(lock(2, 1).size(), 1u);
}

TEST_F(monitor_test, SelfDeadlockOnPlainMutex) {
  lock(1, 7);
  monitor_.before_lock(
      thread(1), lock_event{7, lock_mode::exclusive, acquire_kind::blocking, relock_behavior::blocks, 0});
  auto result = monitor_.before_lock(
      thread(1), lock_event{7, lock_mode::exclusive, acquire_kind::blocking, relock_behavior::blocks, 0});
  EXPECT_TRUE(result.self_deadlock);
  EXPECT_TRUE(result.already_held);
  auto tried = monitor_.before_lock(
      thread(1), lock_event{7, lock_mode::exclusive, acquire_kind::try_lock, relock_behavior::blocks, 0});
  EXPECT_FALSE(tried.self_deadlock);
}

TEST_F(monitor_test, RecursiveMutexCountsAndIsNoSelfDeadlock) {
  lock(1, 7, lock_mode::exclusive, acquire_kind::blocking, relock_behavior::recursive);
  lock(1, 7, lock_mode::exclusive, acquire_kind::blocking, relock_behavior::recursive);
  EXPECT_FALSE(last_.self_deadlock);
  EXPECT_TRUE(unlock(1, 7));
  EXPECT_EQ(thread(1).held_count(), 1u);
  EXPECT_TRUE(unlock(1, 7));
  EXPECT_FALSE(unlock(1, 7));
}

TEST_F(monitor_test, RwlockWriteAfterReadIsSelfDeadlock) {
  lock(1, 7, lock_mode::shared, acquire_kind::blocking, relock_behavior::rwlock);
  auto again = monitor_.before_lock(
      thread(1), lock_event{7, lock_mode::shared, acquire_kind::blocking, relock_behavior::rwlock, 0});
  EXPECT_FALSE(again.self_deadlock);
  auto upgrade = monitor_.before_lock(
      thread(1), lock_event{7, lock_mode::exclusive, acquire_kind::blocking, relock_behavior::rwlock, 0});
  EXPECT_TRUE(upgrade.self_deadlock);
}

TEST_F(monitor_test, UnlockNotOwned) {
  EXPECT_FALSE(unlock(1, 9));
  lock(2, 9);
  EXPECT_FALSE(unlock(1, 9));  // held by another thread
  EXPECT_TRUE(unlock(2, 9));
}

TEST_F(monitor_test, DestroyedLockIsForgottenAndANewIdIsANewLock) {
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  monitor_.on_lock_destroyed(2);
  EXPECT_EQ(monitor_.stats().graph_edges, 0u);
  EXPECT_EQ(monitor_.stats().edge_payloads, 0u);
  // Lock 3 lives where 2 lived: the opposite order is no cycle.
  lock(2, 3);
  EXPECT_TRUE(lock(2, 1).empty());
}

TEST_F(monitor_test, MemoryBoundedByLiveLocks) {
  lock(1, 1);
  for (lock_id l = 1000; l < 21000; ++l) {
    lock(1, l);
    unlock(1, l);
    monitor_.on_lock_destroyed(l);
  }
  auto stats = monitor_.stats();
  EXPECT_LE(stats.graph_nodes, 2u);
  EXPECT_EQ(stats.edge_payloads, 0u);
}

TEST_F(monitor_test, InversionRememberedAfterTwentyThousandOtherLocks) {
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  for (lock_id l = 1000; l < 21000; ++l) {
    lock(3, l);
    lock(3, l + 100000);
    unlock(3, l + 100000);
    unlock(3, l);
  }
  lock(2, 2);
  EXPECT_EQ(lock(2, 1).size(), 1u);
}

TEST_F(monitor_test, RefusedEdgeJoinsGraphWhenItsCycleDies) {
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  lock(2, 2);
  EXPECT_EQ(lock(2, 1).size(), 1u);
  unlock(2, 1);
  unlock(2, 2);
  EXPECT_EQ(monitor_.stats().refused_edges, 1u);
  monitor_.on_lock_destroyed(1);
  EXPECT_EQ(monitor_.stats().refused_edges, 0u);
}

TEST_F(monitor_test, ThreeLockCycleAcrossThreeThreads) {
  lock(1, 1);
  lock(1, 2);
  unlock(1, 2);
  unlock(1, 1);
  lock(2, 2);
  lock(2, 3);
  unlock(2, 3);
  unlock(2, 2);
  lock(3, 3);
  auto found = lock(3, 1);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].size(), 3u);
}

// Settled edges (monitor_state.hpp): once every edge among 1, 2 and 3 is in
// a reported cycle, a cycle made of those edges only (1 -> 3 -> 2 -> 1) is
// not reported, even under new contexts, and costs no search; a cycle with
// one new edge is reported.
TEST_F(monitor_test, CycleOfSettledEdgesOnlyIsNotReportedAgain) {
  auto pair = [&](thread_id t, lock_id a, lock_id b) {
    lock(t, a);
    auto found = lock(t, b);
    unlock(t, b);
    unlock(t, a);
    return found.size();
  };
  EXPECT_EQ(pair(1, 1, 2), 0u);
  EXPECT_EQ(pair(2, 2, 1), 1u);
  EXPECT_EQ(pair(1, 2, 3), 0u);
  EXPECT_EQ(pair(2, 3, 2), 1u);
  EXPECT_EQ(pair(1, 3, 1), 1u);  // 1 -> 2 -> 3 -> 1: 3 -> 1 is new
  EXPECT_EQ(total_, 3u);
  EXPECT_EQ(pair(2, 1, 3), 1u);  // 1 <-> 3, not 1 -> 3 -> 2 -> 1 as well
  // Every edge among 1, 2, 3 is settled now: no more reports, and new
  // contexts of those locks (held in shared mode here) cost no search.
  const auto work_before = monitor_.stats().graph_search_work;
  for (auto [a, b] : {std::pair<lock_id, lock_id>{2, 1}, {3, 2}, {1, 3}}) {
    lock(3, a, lock_mode::shared);
    EXPECT_TRUE(lock(3, b).empty());
    unlock(3, b);
    unlock(3, a);
  }
  EXPECT_EQ(monitor_.stats().graph_search_work, work_before);
  EXPECT_EQ(total_, 4u);
  // A new edge into the settled triangle closes a new cycle: reported.
  EXPECT_EQ(pair(4, 1, 60), 0u);
  EXPECT_EQ(pair(4, 60, 2), 1u);  // 60 -> 2 -> 1 -> 60
  EXPECT_EQ(total_, 5u);
}

TEST_F(monitor_test, CvWaitWithoutMutex) {
  auto check = monitor_.cv_wait_begin(thread(1), 500, 9);
  EXPECT_EQ(check.misuse, cv_misuse::mutex_not_held);
  monitor_.cv_wait_end(500);
}

TEST_F(monitor_test, CvWithTwoMutexesAtOnce) {
  lock(1, 9);
  lock(2, 10);
  auto first = monitor_.cv_wait_begin(thread(1), 500, 9);
  EXPECT_EQ(first.misuse, cv_misuse::none);
  auto second = monitor_.cv_wait_begin(thread(2), 500, 10);
  EXPECT_EQ(second.misuse, cv_misuse::two_mutexes);
  EXPECT_EQ(second.other_mutex, 9u);
  monitor_.cv_wait_end(500);
  monitor_.cv_wait_end(500);
  // Later, alone, another mutex is fine (e.g. a new cv at the same address).
  auto third = monitor_.cv_wait_begin(thread(2), 500, 10);
  EXPECT_EQ(third.misuse, cv_misuse::none);
  monitor_.cv_wait_end(500);
  EXPECT_EQ(monitor_.stats().cv_bindings, 0u);
}

// The bindings have locks of their own: a wait, which runs with the user's
// mutex held, never waits for the monitor's lock (taken here as the fork
// handler takes it). With the bindings under that lock, this thread would
// block on itself and the test would hang until CTest's timeout.
TEST_F(monitor_test, CvBindingsDoNotTakeTheMonitorLock) {
  lock(1, 9);
  lock(2, 10);
  monitor_.lock_for_fork();
  const auto first = monitor_.cv_wait_begin(thread(1), 500, 9);
  const auto second = monitor_.cv_wait_begin(thread(2), 500, 10);
  monitor_.cv_wait_end(500);
  monitor_.cv_wait_end(500);
  monitor_.on_cv_destroyed(501);
  monitor_.unlock_after_fork();
  EXPECT_EQ(first.misuse, cv_misuse::none);
  EXPECT_EQ(second.misuse, cv_misuse::two_mutexes);
  EXPECT_EQ(second.other_mutex, 9u);
  EXPECT_EQ(monitor_.stats().cv_bindings, 0u);
}

// Many condition variables waited on at once (more than the stripes, so
// stripes hold several): each keeps its own mutex, ends drop them in any
// order, and a destroyed cv's binding goes with its waiters' ends ignored.
TEST_F(monitor_test, ManyCvBindingsStayApart) {
  constexpr std::uint64_t kCvs = 300;
  for (std::uint64_t i = 0; i < kCvs; ++i) {
    lock(static_cast<thread_id>(i + 1), 1000 + i);
    EXPECT_EQ(monitor_.cv_wait_begin(thread(static_cast<thread_id>(i + 1)), 64 * i, 1000 + i).misuse,
              cv_misuse::none);
  }
  EXPECT_EQ(monitor_.stats().cv_bindings, kCvs);
  for (std::uint64_t i = 0; i < kCvs; i += 2) monitor_.cv_wait_end(64 * i);
  EXPECT_EQ(monitor_.stats().cv_bindings, kCvs / 2);
  // The odd ones are still bound to their own mutex.
  lock(kCvs + 1, 2000);
  const auto misuse = monitor_.cv_wait_begin(thread(kCvs + 1), 64 * 7, 2000);
  EXPECT_EQ(misuse.misuse, cv_misuse::two_mutexes);
  EXPECT_EQ(misuse.other_mutex, 1007u);
  monitor_.on_cv_destroyed(64 * 7);  // two waiters, both ends come after
  monitor_.cv_wait_end(64 * 7);
  monitor_.cv_wait_end(64 * 7);
  EXPECT_EQ(monitor_.stats().cv_bindings, kCvs / 2 - 1);
  for (std::uint64_t i = 1; i < kCvs; i += 2) monitor_.cv_wait_end(64 * i);
  EXPECT_EQ(monitor_.stats().cv_bindings, 0u);
}

// A forked child has no waiter: a parent's binding must not make the child's
// wait with another mutex a misuse.
TEST_F(monitor_test, ForkedChildDropsCvBindings) {
  lock(1, 9);
  EXPECT_EQ(monitor_.cv_wait_begin(thread(1), 500, 9).misuse, cv_misuse::none);
  monitor_.lock_for_fork();
  monitor_.unlock_after_fork();
  monitor_.after_fork_child();
  EXPECT_EQ(monitor_.stats().cv_bindings, 0u);
  lock(2, 10);
  EXPECT_EQ(monitor_.cv_wait_begin(thread(2), 500, 10).misuse, cv_misuse::none);
  monitor_.cv_wait_end(500);
  EXPECT_EQ(monitor_.stats().cv_bindings, 0u);
}

TEST_F(monitor_test, ReleaseAndReacquireAroundWaitKeepsSite) {
  lock(1, 9);
  held_lock entry = monitor_.release_for_wait(thread(1), 9);
  EXPECT_EQ(entry.lock, 9u);
  EXPECT_EQ(thread(1).held_count(), 0u);
  monitor_.reacquire_after_wait(thread(1), entry);
  held_lock back;
  ASSERT_TRUE(thread(1).find_held(9, back));
  EXPECT_EQ(back.pc, 0x1000u + 9);
}

TEST_F(monitor_test, SnapshotSeesConsistentHeldLocks) {
  lock(1, 1);
  lock(1, 2, lock_mode::shared);
  std::vector<held_lock> snapshot;
  std::uint64_t sequence = 0;
  ASSERT_TRUE(thread(1).snapshot_held(snapshot, sequence));
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[1].mode, lock_mode::shared);
  EXPECT_EQ(sequence % 2, 0u);
  unlock(1, 2);
  EXPECT_NE(thread(1).sequence(), sequence);
}

}  // namespace
}  // namespace concheck::detector

namespace concheck::detector {
namespace {

// Differential test against a naive model: nested pairs of exclusive locks
// (no gates, no shared modes, so every cycle can deadlock) taken by random
// threads, with random lock deaths. Whenever a new edge a -> b is recorded
// while b already reaches a through recorded edges of live locks, the
// monitor must report; every cycle it reports must be made of recorded edges
// of live locks and close on itself.
TEST(monitor_differential, ReportsEveryClosingEdgeOfLiveLocks) {
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state](std::uint64_t bound) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % bound;
  };
  monitor engine;
  std::vector<std::unique_ptr<monitor_thread>> threads;
  for (thread_id t = 0; t < 4; ++t) threads.push_back(std::make_unique<monitor_thread>(t));
  std::vector<lock_id> alive;
  lock_id next_id = 1;
  for (int i = 0; i < 10; ++i) alive.push_back(next_id++);
  std::set<std::pair<lock_id, lock_id>> edges;  // the naive model
  auto reaches = [&edges](lock_id from, lock_id to) {
    std::vector<lock_id> stack{from};
    std::set<lock_id> seen{from};
    while (!stack.empty()) {
      const lock_id at = stack.back();
      stack.pop_back();
      if (at == to) return true;
      for (auto it = edges.lower_bound({at, 0}); it != edges.end() && it->first == at; ++it) {
        if (seen.insert(it->second).second) stack.push_back(it->second);
      }
    }
    return false;
  };
  std::size_t closing_edges = 0;
  for (int step = 0; step < 20000; ++step) {
    if (next(20) == 0) {
      // A lock dies; a new one takes its place.
      const std::size_t index = next(alive.size());
      const lock_id dead = alive[index];
      engine.on_lock_destroyed(dead);
      std::erase_if(edges, [dead](const auto& e) { return e.first == dead || e.second == dead; });
      alive[index] = next_id++;
      continue;
    }
    const lock_id a = alive[next(alive.size())];
    lock_id b = alive[next(alive.size())];
    if (a == b) continue;
    monitor_thread& thread = *threads[next(threads.size())];
    const lock_event first{a, lock_mode::exclusive, acquire_kind::blocking, relock_behavior::blocks, 0};
    const lock_event second{b, lock_mode::exclusive, acquire_kind::blocking, relock_behavior::blocks, 0};
    engine.after_lock(thread, first);
    const bool is_new = edges.count({a, b}) == 0;
    const bool closes = is_new && reaches(b, a);
    const auto result = engine.before_lock(thread, second);
    engine.after_lock(thread, second);
    edges.insert({a, b});
    if (closes) {
      ++closing_edges;
      EXPECT_FALSE(result.inversions.empty()) << "step " << step << ": " << a << " -> " << b;
    }
    for (const auto& cycle : result.inversions) {
      ASSERT_FALSE(cycle.empty());
      for (std::size_t i = 0; i < cycle.size(); ++i) {
        EXPECT_EQ(edges.count({cycle[i].from, cycle[i].to}), 1u) << "step " << step;
        EXPECT_EQ(cycle[i].to, cycle[(i + 1) % cycle.size()].from) << "step " << step;
      }
    }
    engine.before_unlock(thread, b);
    engine.before_unlock(thread, a);
  }
  EXPECT_GT(closing_edges, 50u);  // the test exercised the interesting case
}

}  // namespace
}  // namespace concheck::detector
