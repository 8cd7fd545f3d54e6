// concheck detector: the lock-order graph with online cycle detection.
//
// Nodes are lock ids; an edge a -> b means "some thread acquired b while
// holding a". The graph is kept acyclic: insert_edge() refuses an edge that
// would close a cycle and returns the path that the edge would close, which is
// the potential deadlock. Edge payloads (sites, threads, gate locks, modes) are
// the caller's (see monitor.hpp); this structure holds only the order.
//
// Algorithm: Pearce & Kelly, "A dynamic topological sort algorithm for directed
// acyclic graphs" (JEA 2006), as in Abseil's GraphCycles: every node has a rank
// in a topological order; inserting a -> b with rank(a) < rank(b) is O(1); else
// only the nodes whose ranks lie between rank(b) and rank(a) are searched and
// reordered. A node placed in the graph (new, or in a reused slot) is ranked
// after every other node, so edges into a node that was just created are O(1);
// insert_node_after() ranks a new node just above given nodes instead, so
// edges out of it to nodes ranked above those are O(1) too.
// Besides the order, the graph keeps *side edges*: edges outside the order (the
// monitor keeps there the edges insert_edge refused), which only the searches
// below follow.
//
// Worst-case cost of each operation (V nodes, E order edges, S side edges;
// "region" = the nodes ranked between the endpoints that the endpoints reach):
//   insert_edge       O(1) expected if the edge exists or is already in rank
//                     order (~35 ns measured for an existing edge, no
//                     allocation); else O(region + its edges) for the search
//                     plus O(region log region) for the reorder: O(V log V + E)
//                     at worst. A refused edge's path is a shortest closing path.
//   insert_node_after O(1) expected (at most 64 probes of a hash set)
//   has_edge, has_node, has_side_edge   O(1) expected
//   remove_edge, add_side_edge, remove_side_edge   O(degree)
//   remove_node       O(sum of its neighbours' degrees)
//   find_path         O(V + E) at worst, pruned by rank (order edges only)
//   search_from       O(V + E + S): one 0-1 breadth-first search over order and
//                     side edges; each node is queued at most twice; with
//                     targets, it stops once all of them are reached
//   path_from_search  O(path length)
//   successors, all_successors   O(degree)
//
// Locking: none. The caller serializes every call (the monitor holds its own
// internal spin lock, never a user-visible lock). Memory: O(V + E + S);
// removed nodes' slots are reused, so the graph does not grow with the number
// of locks a run has used, only with those alive at once.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace concheck::detector {

class lock_order_graph {
 public:
  using node = std::uint64_t;

  lock_order_graph();
  ~lock_order_graph();
  lock_order_graph(const lock_order_graph&) = delete;
  lock_order_graph& operator=(const lock_order_graph&) = delete;

  // Inserts from -> to (nodes are created on first use). Returns true if the
  // edge is in the graph afterwards (new or already there). Returns false and
  // leaves the graph unchanged if the edge would close a cycle; then
  // `cycle_path` (if not null) receives the path to -> ... -> from that the edge
  // would close (first element `to`, last `from`; a shortest such path, never
  // truncated). A self-edge (from == to) is refused with the path {from}.
  bool insert_edge(node from, node to, std::vector<node>* cycle_path = nullptr);

  // Creates `n` (no-op if it exists) ranked just above the higher-ranked of
  // `after` and `also_after` (either may be absent from the graph), so that
  // the edges after -> n and also_after -> n are O(1) and an edge n -> x
  // searches only the nodes ranked between x and them. Falls back to ranking
  // n after every node when no rank is free there.
  void insert_node_after(node n, node after, node also_after);

  bool has_edge(node from, node to) const;
  void remove_edge(node from, node to);
  // Removes the node and all its edges (the lock was destroyed).
  void remove_node(node n);
  bool has_node(node n) const;

  // A path from -> ... -> to (inclusive), at most max_length nodes, or empty.
  std::vector<node> find_path(node from, node to, std::size_t max_length = 1 << 20) const;

  std::size_t node_count() const;
  std::size_t edge_count() const;
  // Successors of n (unspecified order).
  std::vector<node> successors(node n) const;

  // Side edges: recorded, followed by search_from() and all_successors(), but
  // not part of the order (no rank constraint, so they may close cycles).
  // Nodes are created on first use; remove_node() removes its side edges too.
  void add_side_edge(node from, node to);
  void remove_side_edge(node from, node to);
  bool has_side_edge(node from, node to) const;
  std::size_t side_edge_count() const;

  // A 0-1 breadth-first search from `from` over order and side edges: an edge
  // into a node whose id has a bit of `free_tag` costs 0, any other 1. Returns
  // the number of edges examined. Afterwards path_from_search(to) is a path
  // from -> ... -> to of least cost (inclusive), or empty if `to` is not
  // reachable; valid until the graph changes or the next search. With
  // `targets`, the search stops once each of them is settled, and only paths
  // to them (or to nodes settled before) are valid.
  std::size_t search_from(node from, node free_tag, const std::vector<node>& targets = {});
  std::vector<node> path_from_search(node to) const;
  // Successors of n over order and side edges, into `out` (cleared first).
  void all_successors(node n, std::vector<node>& out) const;

  // Edges examined by all searches so far (insert_edge's reorder searches and
  // search_from): a machine-independent measure of the work done, for tests
  // that bound the cost of a pattern.
  std::uint64_t search_work() const;

  // Checks the internal invariants (ranks consistent with edges); for tests.
  bool check_invariants() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace concheck::detector
