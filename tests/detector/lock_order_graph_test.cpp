// lock_order_graph: behaviour, a differential test against a naive
// reachability model, and scale tests.
#include "concheck/detector/lock_order_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace concheck::detector {
namespace {

using node = lock_order_graph::node;

// True if `path` is a walk along edges of `graph` from `first` to `last`.
bool is_path_in(const lock_order_graph& graph, const std::vector<node>& path, node first, node last) {
  if (path.empty() || path.front() != first || path.back() != last) return false;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (!graph.has_edge(path[i], path[i + 1])) return false;
  }
  return true;
}

TEST(LockOrderGraph, InsertsEdgesAndRefusesTheClosingEdgeWithItsPath) {
  lock_order_graph graph;
  EXPECT_TRUE(graph.insert_edge(1, 2));
  EXPECT_TRUE(graph.insert_edge(2, 3));
  EXPECT_TRUE(graph.insert_edge(1, 2));  // already there
  EXPECT_EQ(graph.edge_count(), 2u);
  std::vector<node> path;
  EXPECT_FALSE(graph.insert_edge(3, 1, &path));
  EXPECT_EQ(path, (std::vector<node>{1, 2, 3}));
  EXPECT_FALSE(graph.has_edge(3, 1));
  EXPECT_EQ(graph.edge_count(), 2u);
  EXPECT_TRUE(graph.check_invariants());
}

TEST(LockOrderGraph, SelfEdgeIsRefusedWithTheNodeAsPath) {
  lock_order_graph graph;
  std::vector<node> path;
  EXPECT_FALSE(graph.insert_edge(7, 7, &path));
  EXPECT_EQ(path, (std::vector<node>{7}));
}

TEST(LockOrderGraph, ArbitraryIdsIncludingExtremes) {
  lock_order_graph graph;
  const node big = ~node{0};
  EXPECT_TRUE(graph.insert_edge(big, 0));
  EXPECT_TRUE(graph.insert_edge(0, 0x8000'0000'0000'0000ULL));
  std::vector<node> path;
  EXPECT_FALSE(graph.insert_edge(0x8000'0000'0000'0000ULL, big, &path));
  EXPECT_EQ(path, (std::vector<node>{big, 0, 0x8000'0000'0000'0000ULL}));
}

TEST(LockOrderGraph, ReorderingInsertKeepsInvariants) {
  lock_order_graph graph;
  // Created in rank order 10, 20, 30, 40, then edges against that order.
  for (node n : {10, 20, 30, 40}) ASSERT_TRUE(graph.insert_edge(n, n + 1000));
  EXPECT_TRUE(graph.insert_edge(40, 30));
  EXPECT_TRUE(graph.insert_edge(30, 20));
  EXPECT_TRUE(graph.insert_edge(20, 10));
  EXPECT_TRUE(graph.check_invariants());
  std::vector<node> path;
  EXPECT_FALSE(graph.insert_edge(10, 40, &path));
  EXPECT_EQ(path, (std::vector<node>{40, 30, 20, 10}));
}

TEST(LockOrderGraph, RemoveNodeDropsItsEdgesAndReusesTheSlotAsANewLock) {
  lock_order_graph graph;
  ASSERT_TRUE(graph.insert_edge(1, 2));
  ASSERT_TRUE(graph.insert_edge(2, 3));
  graph.remove_node(2);
  EXPECT_FALSE(graph.has_node(2));
  EXPECT_EQ(graph.edge_count(), 0u);
  // A new lock (new id, reused slot) starts with no history.
  EXPECT_TRUE(graph.insert_edge(3, 4));
  EXPECT_TRUE(graph.insert_edge(4, 1));
  // The same id again is a new node too: no edge 2 -> 3 survives.
  EXPECT_TRUE(graph.insert_edge(3, 2));
  EXPECT_FALSE(graph.has_edge(2, 3));
  EXPECT_TRUE(graph.check_invariants());
  EXPECT_EQ(graph.node_count(), 4u);
}

TEST(LockOrderGraph, RemoveEdgeAllowsTheReverseOrder) {
  lock_order_graph graph;
  ASSERT_TRUE(graph.insert_edge(1, 2));
  graph.remove_edge(1, 2);
  graph.remove_edge(1, 2);  // absent: no effect
  graph.remove_edge(5, 6);  // unknown nodes: no effect
  EXPECT_TRUE(graph.insert_edge(2, 1));
  EXPECT_TRUE(graph.check_invariants());
}

TEST(LockOrderGraph, FindPathAndSuccessors) {
  lock_order_graph graph;
  ASSERT_TRUE(graph.insert_edge(1, 2));
  ASSERT_TRUE(graph.insert_edge(2, 3));
  ASSERT_TRUE(graph.insert_edge(1, 3));
  EXPECT_EQ(graph.find_path(1, 3), (std::vector<node>{1, 3}));  // shortest
  EXPECT_EQ(graph.find_path(3, 1), std::vector<node>{});
  EXPECT_EQ(graph.find_path(1, 1), std::vector<node>{1});
  EXPECT_EQ(graph.find_path(1, 99), std::vector<node>{});
  graph.remove_edge(1, 3);
  EXPECT_EQ(graph.find_path(1, 3, 2), std::vector<node>{});  // needs 3 nodes
  EXPECT_EQ(graph.find_path(1, 3, 3), (std::vector<node>{1, 2, 3}));
  auto succ = graph.successors(1);
  EXPECT_EQ(succ, std::vector<node>{2});
  EXPECT_TRUE(graph.successors(42).empty());
}

// The model: an explicit edge set; reachability by DFS.
struct naive_graph {
  std::map<node, std::set<node>> out;
  // Every node a path leads to from `from`, `from` included.
  std::set<node> reachable_from(node from) const {
    std::set<node> seen{from};
    std::vector<node> stack{from};
    while (!stack.empty()) {
      node n = stack.back();
      stack.pop_back();
      auto it = out.find(n);
      if (it == out.end()) continue;
      for (node m : it->second) {
        if (seen.insert(m).second) stack.push_back(m);
      }
    }
    return seen;
  }
  bool reaches(node from, node to) const { return reachable_from(from).count(to) != 0; }
  void remove_node(node n) {
    out.erase(n);
    for (auto& [from, succ] : out) succ.erase(n);
  }
};

class LockOrderGraphDifferential : public testing::TestWithParam<unsigned> {};

TEST_P(LockOrderGraphDifferential, AgreesWithNaiveReachability) {
  std::mt19937_64 rng(GetParam());
  const node node_range = 8 + GetParam() % 40;  // small ranges give dense graphs and many cycles
  lock_order_graph graph;
  naive_graph model;
  for (int step = 0; step < 3000; ++step) {
    node a = rng() % node_range;
    node b = rng() % node_range;
    int action = static_cast<int>(rng() % 11);
    if (action < 7) {
      bool expect_cycle = a == b || model.reaches(b, a);
      std::vector<node> path;
      bool inserted = graph.insert_edge(a, b, &path);
      ASSERT_EQ(inserted, !expect_cycle) << "step " << step << " edge " << a << "->" << b;
      if (inserted) {
        model.out[a].insert(b);
      } else {
        ASSERT_TRUE(is_path_in(graph, path, b, a)) << "step " << step;
      }
    } else if (action < 9) {
      graph.remove_edge(a, b);
      if (auto it = model.out.find(a); it != model.out.end()) it->second.erase(b);
    } else if (action < 10) {
      graph.remove_node(a);
      model.remove_node(a);
    } else if (!graph.has_node(a)) {
      graph.insert_node_after(a, b, rng() % node_range);  // an isolated node, ranked just above
    }
    if (step % 100 == 0) {
      ASSERT_TRUE(graph.check_invariants()) << "step " << step;
      for (node x = 0; x < node_range; ++x) {
        // One search of the model per source (not per pair): the model is
        // the slow side, and the checks below stay the same.
        const std::set<node> from_x = model.reachable_from(x);
        for (node y = 0; y < node_range; ++y) {
          bool has = model.out.count(x) != 0 && model.out.at(x).count(y) != 0;
          ASSERT_EQ(graph.has_edge(x, y), has) << x << "->" << y;
          if (x != y && graph.has_node(x) && graph.has_node(y)) {
            auto path = graph.find_path(x, y);
            ASSERT_EQ(!path.empty(), from_x.count(y) != 0) << x << "~>" << y;
            if (!path.empty()) {
              ASSERT_TRUE(is_path_in(graph, path, x, y));
            }
          }
        }
      }
    }
  }
  EXPECT_TRUE(graph.check_invariants());
}

INSTANTIATE_TEST_SUITE_P(Seeds, LockOrderGraphDifferential, testing::Range(1u, 41u));

// A node placed just above `a` takes edges from `a` and to what `a` precedes
// with no search; once the ranks right above `a` are taken (64 of them), a
// placed node falls back to the newest rank and the same edge needs one.
TEST(LockOrderGraph, NodeInsertedAfterANodeTakesItsEdgesWithoutSearch) {
  lock_order_graph graph;
  for (node n = 1; n <= 100; ++n) ASSERT_TRUE(graph.insert_edge(n, n + 1));  // a chain 1 -> ... -> 101
  const std::uint64_t before = graph.search_work();
  for (node placed = 1000; placed < 1064; ++placed) {
    graph.insert_node_after(placed, 1, 0);
    ASSERT_TRUE(graph.insert_edge(1, placed));
    ASSERT_TRUE(graph.insert_edge(placed, 2));
  }
  EXPECT_EQ(graph.search_work(), before);
  EXPECT_TRUE(graph.check_invariants());
  graph.insert_node_after(2000, 1, 0);  // no free rank above 1 any more: ranked last
  ASSERT_TRUE(graph.insert_edge(1, 2000));
  ASSERT_TRUE(graph.insert_edge(2000, 2));
  EXPECT_GT(graph.search_work(), before);
  EXPECT_TRUE(graph.check_invariants());
  // Both predecessors count: above the higher-ranked one.
  graph.insert_node_after(3000, 50, 7);
  const std::uint64_t at = graph.search_work();
  ASSERT_TRUE(graph.insert_edge(3000, 51));
  EXPECT_EQ(graph.search_work(), at);
  // Existing node: no change; absent predecessors: ranked last.
  graph.insert_node_after(3000, 1, 0);
  graph.insert_node_after(4000, 9999, 0);
  EXPECT_TRUE(graph.has_node(4000));
  EXPECT_TRUE(graph.check_invariants());
}

TEST(LockOrderGraphScale, HundredThousandLocksAndAHundredLockCycle) {
  lock_order_graph graph;
  constexpr node kLocks = 100'000;
  // Long chains in creation order, as nested locking in a loop produces.
  for (node n = 0; n + 1 < kLocks; ++n) ASSERT_TRUE(graph.insert_edge(n, n + 1));
  // Cross edges against creation order force reorders of bounded regions.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    node a = 200'000 + rng() % 50'000;
    node b = 200'000 + rng() % 50'000;
    graph.insert_edge(a, b);
  }
  // A 100-lock cycle: 100 locks ordered against their creation order.
  for (node n = 1'000'099; n > 1'000'000; --n) ASSERT_TRUE(graph.insert_edge(n, n - 1));
  std::vector<node> path;
  ASSERT_FALSE(graph.insert_edge(1'000'000, 1'000'099, &path));
  ASSERT_EQ(path.size(), 100u);
  EXPECT_EQ(path.front(), 1'000'099u);
  EXPECT_EQ(path.back(), 1'000'000u);
  EXPECT_TRUE(is_path_in(graph, path, 1'000'099, 1'000'000));
  // The whole 100k chain closes too, with its whole path.
  ASSERT_FALSE(graph.insert_edge(kLocks - 1, 0, &path));
  EXPECT_EQ(path.size(), kLocks);
  EXPECT_TRUE(graph.check_invariants());
}

// Re-inserting edges the graph has is accepted and changes nothing. (That it
// costs a lookup, not a search, is bench/lock_order_graph_bench.cpp's to
// measure: a unit test asserts no wall-clock bound.)
TEST(LockOrderGraphScale, KnownEdgesReinsertWithoutChange) {
  lock_order_graph graph;
  for (node n = 0; n + 1 < 100'000; ++n) ASSERT_TRUE(graph.insert_edge(n, n + 1));
  ASSERT_TRUE(graph.insert_edge(99'999, 100'000));
  const std::size_t nodes = graph.node_count(), edges = graph.edge_count();
  bool all = true;
  for (int i = 0; i < 200'000; ++i) {
    node n = static_cast<node>(i) % 99'999;
    all = graph.insert_edge(n, n + 1) && all;
  }
  EXPECT_TRUE(all);
  EXPECT_EQ(graph.node_count(), nodes);
  EXPECT_EQ(graph.edge_count(), edges);
  EXPECT_TRUE(graph.check_invariants());
}

TEST(LockOrderGraphScale, MillionShortLivedLocksKeepTheGraphSmall) {
  lock_order_graph graph;
  graph.insert_edge(1, 2);
  for (node n = 10; n < 1'000'010; ++n) {
    ASSERT_TRUE(graph.insert_edge(1, n));
    graph.remove_node(n);
  }
  EXPECT_EQ(graph.node_count(), 2u);
  EXPECT_EQ(graph.edge_count(), 1u);
  EXPECT_TRUE(graph.check_invariants());
}

}  // namespace
}  // namespace concheck::detector
