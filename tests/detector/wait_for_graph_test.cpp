// The wait-for graph: real deadlock cycles and "everyone is blocked".
#include "concheck/detector/wait_for_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace concheck::detector {
namespace {

TEST(wait_for_graph, TwoThreadLockCycle) {
  wait_for_graph graph;
  graph.add_thread({1, wait_kind::lock, 20, false, false});
  graph.add_thread({2, wait_kind::lock, 10, false, false});
  graph.add_thread({3, wait_kind::none, 0, false, false});
  graph.add_hold(1, 10, lock_mode::exclusive);
  graph.add_hold(2, 20, lock_mode::exclusive);
  auto cycle = graph.find_cycle(1);
  ASSERT_EQ(cycle.size(), 2u);
  EXPECT_EQ(cycle[0], 1u);
  EXPECT_EQ(cycle[1], 2u);
  EXPECT_TRUE(graph.find_cycle(3).empty());
  EXPECT_FALSE(graph.all_blocked_untimed());
}

TEST(wait_for_graph, TimedWaitIsNoDeadlock) {
  wait_for_graph graph;
  graph.add_thread({1, wait_kind::lock, 20, false, true});
  graph.add_thread({2, wait_kind::lock, 10, false, false});
  graph.add_hold(1, 10, lock_mode::exclusive);
  graph.add_hold(2, 20, lock_mode::exclusive);
  EXPECT_TRUE(graph.find_cycle(2).empty());
  EXPECT_TRUE(graph.find_any_cycle().empty());
}

TEST(wait_for_graph, ReadersDoNotWaitForReaders) {
  wait_for_graph graph;
  graph.add_thread({1, wait_kind::lock, 20, true, false});
  graph.add_thread({2, wait_kind::lock, 10, true, false});
  graph.add_hold(1, 10, lock_mode::shared);
  graph.add_hold(2, 20, lock_mode::shared);
  EXPECT_TRUE(graph.find_any_cycle().empty());
  wait_for_graph writer;
  writer.add_thread({1, wait_kind::lock, 20, false, false});
  writer.add_thread({2, wait_kind::lock, 10, true, false});
  writer.add_hold(1, 10, lock_mode::exclusive);
  writer.add_hold(2, 20, lock_mode::shared);
  EXPECT_EQ(writer.find_any_cycle().size(), 2u);
}

TEST(wait_for_graph, JoinCycle) {
  wait_for_graph graph;
  graph.add_thread({0, wait_kind::join, 1, false, false});
  graph.add_thread({1, wait_kind::join, 2, false, false});
  graph.add_thread({2, wait_kind::join, 1, false, false});
  auto cycle = graph.find_any_cycle();
  EXPECT_EQ(cycle.size(), 2u);
  EXPECT_TRUE(graph.all_blocked_untimed());
}

TEST(wait_for_graph, ThreeThreadCycleThroughLocksAndJoin) {
  wait_for_graph graph;
  graph.add_thread({1, wait_kind::lock, 10, false, false});  // waits for T2's lock
  graph.add_thread({2, wait_kind::join, 3, false, false});   // joins T3
  graph.add_thread({3, wait_kind::lock, 30, false, false});  // waits for T1's lock
  graph.add_hold(2, 10, lock_mode::exclusive);
  graph.add_hold(1, 30, lock_mode::exclusive);
  auto cycle = graph.find_cycle(1);
  ASSERT_EQ(cycle.size(), 3u);
  EXPECT_EQ(cycle[1], 2u);
  EXPECT_EQ(cycle[2], 3u);
}

TEST(wait_for_graph, LostWakeupIsEveryoneBlocked) {
  wait_for_graph graph;
  graph.add_thread({0, wait_kind::join, 1, false, false});
  graph.add_thread({1, wait_kind::condition, 0x1234, false, false});
  EXPECT_TRUE(graph.find_any_cycle().empty());
  EXPECT_TRUE(graph.all_blocked_untimed());
  graph.add_thread({2, wait_kind::condition, 0x1234, false, true});  // a timed waiter will wake
  EXPECT_FALSE(graph.all_blocked_untimed());
}

// The false positive of issue 3: T0 joins T1 while T1 is shutting down after
// it left the registry. T1 is absent from the snapshot; T0's join returns as
// soon as T1 is gone, so T0 is not blocked and nothing is deadlocked.
TEST(wait_for_graph, JoinOfThreadNoLongerLiveIsNotBlocked) {
  wait_for_graph graph;
  graph.add_thread({0, wait_kind::join, 1, false, false});
  EXPECT_FALSE(graph.blocked_untimed(graph.threads()[0]));
  EXPECT_FALSE(graph.all_blocked_untimed());
  EXPECT_TRUE(graph.find_any_cycle().empty());
  graph.add_thread({2, wait_kind::condition, 0x1234, false, false});
  EXPECT_FALSE(graph.all_blocked_untimed());
  graph.add_thread({1, wait_kind::condition, 0x1234, false, false});  // T1 live again and blocked
  EXPECT_TRUE(graph.all_blocked_untimed());
}

TEST(wait_for_graph, EmptyIsNotBlocked) {
  wait_for_graph graph;
  EXPECT_FALSE(graph.all_blocked_untimed());
}

}  // namespace
}  // namespace concheck::detector

namespace concheck::detector {
namespace {

// Differential test: random snapshots (threads waiting for locks or joins,
// holds in both modes, some waits timed) against a naive model that builds
// the thread -> thread relation directly and closes it transitively.
TEST(wait_for_graph, MatchesNaiveReachabilityOnRandomSnapshots) {
  std::uint64_t state = 0x2545f4914f6cdd1dULL;
  auto next = [&state](std::uint64_t bound) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % bound;
  };
  for (int round = 0; round < 2000; ++round) {
    const std::size_t threads = 2 + next(6);
    const std::size_t locks = 1 + next(6);
    wait_for_graph graph;
    std::vector<thread_wait> waits(threads);
    std::vector<std::vector<std::pair<lock_id, lock_mode>>> holds(threads);
    for (std::size_t l = 1; l <= locks; ++l) {
      // Each lock: free, held exclusively by one thread, or shared by some.
      const auto how = next(3);
      if (how == 1) {
        holds[next(threads)].emplace_back(l, lock_mode::exclusive);
      } else if (how == 2) {
        for (std::size_t t = 0; t < threads; ++t) {
          if (next(2) == 0) holds[t].emplace_back(l, lock_mode::shared);
        }
      }
    }
    for (std::size_t t = 0; t < threads; ++t) {
      thread_wait& w = waits[t];
      w.thread = t + 10;
      const auto kind = next(4);
      if (kind == 1) {
        w.kind = wait_kind::lock;
        w.target = 1 + next(locks);
        w.shared = next(2) == 0;
      } else if (kind == 2) {
        w.kind = wait_kind::join;
        w.target = 10 + next(threads);
      }
      w.timed = next(5) == 0;
      graph.add_thread(w);
      for (const auto& [lock, mode] : holds[t]) graph.add_hold(w.thread, lock, mode);
    }
    // Naive: edge t -> u if t's untimed wait is blocked by u.
    std::vector<std::vector<bool>> reach(threads, std::vector<bool>(threads, false));
    for (std::size_t t = 0; t < threads; ++t) {
      const thread_wait& w = waits[t];
      if (w.timed || w.kind == wait_kind::none) continue;
      for (std::size_t u = 0; u < threads; ++u) {
        if (u == t) continue;
        if (w.kind == wait_kind::join) {
          reach[t][u] = reach[t][u] || w.target == u + 10;
          continue;
        }
        for (const auto& [lock, mode] : holds[u]) {
          if (lock == w.target && !(w.shared && mode == lock_mode::shared)) reach[t][u] = true;
        }
      }
    }
    for (std::size_t k = 0; k < threads; ++k) {
      for (std::size_t i = 0; i < threads; ++i) {
        for (std::size_t j = 0; j < threads; ++j) reach[i][j] = reach[i][j] || (reach[i][k] && reach[k][j]);
      }
    }
    for (std::size_t t = 0; t < threads; ++t) {
      const auto cycle = graph.find_cycle(t + 10);
      EXPECT_EQ(!cycle.empty(), static_cast<bool>(reach[t][t])) << "round " << round << " thread " << t;
      // A reported cycle is a real one: each waits for the next.
      for (std::size_t i = 0; i < cycle.size(); ++i) {
        const auto waited = graph.waits_for(cycle[i]);
        const thread_id after = cycle[(i + 1) % cycle.size()];
        EXPECT_NE(std::find(waited.begin(), waited.end(), after), waited.end()) << "round " << round;
      }
    }
  }
}

}  // namespace
}  // namespace concheck::detector
