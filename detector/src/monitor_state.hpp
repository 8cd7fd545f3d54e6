// concheck detector: the monitor's shared state (private to detector/src).
//
// What is recorded. A thread's held locks, oldest first, form a *context*:
// contexts are interned in a trie (a context is its parent context plus one
// held lock, with that lock's mode and acquisition site), so a thread holding
// k locks names them with one id, and the same nesting repeated costs nothing
// new. A blocking acquisition of lock x while holding context c is one
// *acquisition* (c, x), recorded once per distinct (c, x). It stands for the
// order edges h -> x of every lock h in c (a "lock-order edge" below), without
// storing them: the graph holds
//     h -> c'   for each context c' whose newest lock is h,
//     p -> c'   from each context to its children (they hold what it holds),
//     c -> x    for each acquisition,
// so lock a reaches lock b through contexts exactly when the lock-order edges
// lead from a to b. Memory is O(locks + contexts + acquisitions): a chain of n
// nested locks is n contexts and n acquisitions, not n^2/2 edges, and holding
// the same n locks again is free.
//
// Cycles. The graph stays acyclic (lock_order_graph refuses a closing edge,
// which is kept as a side edge). A new acquisition (c, x) can only close
// cycles through c -> x; each lock a of c that x reaches (one 0-1 search from
// x, contexts free) gives the cycle x ->* a -> x, the shortest in lock-order
// edges. A repeated lock-order edge under new other locks (a new context) is a
// new acquisition too, so gates that stop holding are seen through it.
//
// Settled edges. A lock-order edge that is part of a reported cycle is
// settled: a later acquisition that repeats it (under a new context) does not
// look for more cycles closed by it. Fixing the reported cycle removes the
// edge or the cycle, and hunting the exponentially many longer cycles through
// an edge already shown was what made rotated lock orders cost O(N^4) and
// more. A cycle made only of settled edges is therefore not reported again;
// each of its edges is in a report. When every held lock's edge to the lock
// being acquired is settled, the acquisition costs no search at all: it is
// kept as a side edge (followed by searches, outside the order) without
// asking the order whether it closes a cycle.
//
// Refinement (gates, modes, longer cycles) walks contexts; its cost is charged
// to a per-call budget (kRefineBudget context entries and edge visits). A
// cycle whose refinement runs out of budget is reported without it (the
// conservative answer: no gate or reader-reader exemption), so work per call
// stays bounded and a pathological pattern gives a report, not a stall.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/lock_order_graph.hpp"
#include "concheck/detector/monitor.hpp"
#include "cv_bindings.hpp"
#include "monitor_internal.hpp"

namespace concheck::detector {

using graph_node = lock_order_graph::node;
// Context ids carry this bit, lock ids never do (they are counters).
inline constexpr graph_node kContextTag = graph_node{1} << 63;
inline bool is_context(graph_node n) noexcept {
  return (n & kContextTag) != 0;
}

// Work units (context entries walked, graph edges visited) the refinement of
// one before_lock() call may spend before it reports without refinement.
inline constexpr std::size_t kRefineBudget = std::size_t{1} << 11;

struct context_key {
  graph_node parent = 0;  // 0: the context's lock is the oldest held
  lock_id lock = 0;
  std::uintptr_t pc = 0;
  lock_mode mode = lock_mode::exclusive;
  bool operator==(const context_key&) const = default;
};

struct context_key_hash {
  std::size_t operator()(const context_key& key) const noexcept {
    return static_cast<std::size_t>(mix64(key.parent ^ mix64(key.lock * 0x100000001b3ULL ^ key.pc) ^
                                          static_cast<std::uint64_t>(key.mode)));
  }
};

struct context_record {
  graph_node parent = 0;
  lock_id lock = 0;  // the newest lock of the context
  std::uintptr_t pc = 0;
  stack_ref stack = 0;  // that lock's acquisition stack, as first seen (0 if none)
  lock_mode mode = lock_mode::exclusive;
  std::vector<graph_node> children;
  std::vector<lock_id> acquired;  // locks acquired while holding exactly this context
};

struct acquisition_key {
  graph_node context = 0;
  lock_id lock = 0;
  bool operator==(const acquisition_key&) const = default;
};

struct acquisition_key_hash {
  std::size_t operator()(const acquisition_key& key) const noexcept {
    return static_cast<std::size_t>(mix64(key.context ^ (key.lock * 0x9e3779b97f4a7c15ULL)));
  }
};

struct acquisition {
  thread_id thread = 0;  // first occurrence
  stack_ref stack = 0;
  bool first_shared = false;
  bool exclusive_seen = false;  // some occurrence requested the lock exclusively
  bool in_graph = false;        // false: refused (closes a cycle), kept as a side edge
};

// One lock-order edge of a cycle, with the acquisition that witnesses it:
// `to` was acquired holding `context`, whose entry for `from` is `from_entry`.
struct cycle_step {
  lock_id from = 0;
  lock_id to = 0;
  graph_node context = 0;
  graph_node from_entry = 0;
};

struct monitor::impl {
  detail::internal_lock lock{detail::lock_rank::monitor};
  lock_order_graph graph;
  std::unordered_map<graph_node, context_record> contexts;
  std::unordered_map<context_key, graph_node, context_key_hash> context_index;
  std::unordered_map<lock_id, std::vector<graph_node>> newest_in;  // contexts whose newest lock it is
  std::unordered_map<acquisition_key, acquisition, acquisition_key_hash> acquisitions;
  std::unordered_map<lock_id, std::vector<graph_node>> acquired_under;  // recording order
  std::vector<acquisition_key> refused;
  std::unordered_set<std::uint64_t> reported;
  // Lock-order edges (from, to) of every reported cycle (see "Settled edges").
  // Lock ids are never reused, so entries of dead locks are harmless; the set
  // grows with the reports, not with the run.
  std::unordered_set<std::uint64_t> settled;
  std::size_t retry_cursor = 0;  // retry_refused() takes its turn from here
  // Not guarded by `lock`: its stripes have their own (cv_bindings.hpp).
  cv_binding_table cv_bindings;
  graph_node next_context = 1;
  std::size_t budget = 0;  // refinement work left in the current call

  // monitor_record.cpp: contexts and acquisitions.
  // The context id of `thread`'s first `count` held locks, interning what is
  // missing; amortized O(1) when locks are taken and released in LIFO order.
  graph_node context_of(monitor_thread& thread, std::size_t count);
  graph_node intern(graph_node parent, const held_lock& held);
  // One occurrence of acquisition (context, event.lock). Appends the cycles it
  // makes reportable.
  void record(const acquisition_key& key, const lock_event& event, thread_id thread, stack_ref stack,
              std::vector<std::vector<cycle_edge_view>>& out);
  void forget_lock(lock_id dead);
  void forget_context_tree(graph_node root);
  void forget_acquisition(const acquisition_key& key);
  // A refused acquisition whose cycle died joins the order (a bounded number
  // per call, in turn).
  void retry_refused();
  // Whether every lock-order edge the acquisition stands for is settled.
  bool all_settled(const acquisition_key& key) const;

  // monitor_cycles.cpp: finding and judging cycles.
  void evaluate(const acquisition_key& key, std::vector<std::vector<cycle_edge_view>>& out);
  // Whether the cycle (steps[0] closes it) can deadlock: gates and modes,
  // charged to the budget; true without judging once the budget is spent.
  bool reportable(const std::vector<cycle_step>& steps);
  // Reports the cycle unless its lock-order edges were reported before.
  bool report(const std::vector<cycle_step>& steps, std::vector<std::vector<cycle_edge_view>>& out);
  // Longer cycles through `closing` (depth-first, bounded).
  void evaluate_alternatives(const cycle_step& closing, std::vector<std::vector<cycle_edge_view>>& out);
  // The lock-order edges along a graph path lock -> ... -> lock (contexts between).
  static void steps_of_path(const std::vector<graph_node>& path, std::vector<cycle_step>& steps);
  bool context_holds(graph_node context, lock_id target, graph_node* entry);
  std::uint64_t signature(const std::vector<cycle_step>& steps) const;
  static std::uint64_t edge_key(lock_id from, lock_id to) noexcept {
    return mix64(from) ^ (to * 0x9e3779b97f4a7c15ULL);
  }
  bool is_settled(lock_id from, lock_id to) const { return settled.count(edge_key(from, to)) != 0; }
};

}  // namespace concheck::detector
