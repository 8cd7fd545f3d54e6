// The wait-for graph: real deadlock cycles and "everyone is blocked".
#include "concheck/detector/wait_for_graph.hpp"

#include <gtest/gtest.h>

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
  graph.add_thread({1, wait_kind::lock, 10, false, false});   // waits for T2's lock
  graph.add_thread({2, wait_kind::join, 3, false, false});    // joins T3
  graph.add_thread({3, wait_kind::lock, 30, false, false});   // waits for T1's lock
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

TEST(wait_for_graph, EmptyIsNotBlocked) {
  wait_for_graph graph;
  EXPECT_FALSE(graph.all_blocked_untimed());
}

}  // namespace
}  // namespace concheck::detector
