// Pearce-Kelly dynamic topological order; see lock_order_graph.hpp for the
// contract, the costs and the locking.
//
// Representation: caller node ids (arbitrary uint64) map to dense slots; a
// slot holds the node's rank and its in/out adjacency vectors. Every edge is
// also in one hash set keyed by (from slot, to slot), so "is this edge already
// known" (the common case: the same two locks nested again) is one hash probe.
// Ranks are unique. A node placed in a slot (new or reused) takes the next
// value of a counter that steps by kRankSpacing, so it is ranked after all
// others and edges into it need no search. insert_node_after() instead takes
// the first free value just above a given node's rank (below the next counter
// value, so the two never collide): a monitor context is created that way
// right after the lock it adds, so the edge from it to the next lock acquired
// is usually already in rank order, and when it is not, the search is bounded
// by the nodes ranked between the two locks instead of by the whole graph.
// A reorder permutes the ranks already given, so the set of values in use
// (used_ranks) changes only when nodes come and go.
// Side edges live in their own adjacency and hash set and never take part in
// ranks.
#include "concheck/detector/lock_order_graph.hpp"

#include <algorithm>
#include <cstddef>
#include <unordered_map>
#include <unordered_set>

namespace concheck::detector {
namespace {

using slot_t = std::uint32_t;
constexpr slot_t kNoSlot = ~slot_t{0};
constexpr std::uint64_t kRankSpacing = std::uint64_t{1} << 20;
// Values tried above a node's rank by insert_node_after() before it settles
// for the newest rank.
constexpr std::uint64_t kRankProbes = 64;

std::uint64_t edge_key(slot_t from, slot_t to) noexcept {
  return (std::uint64_t{from} << 32) | to;
}

void erase_value(std::vector<slot_t>& values, slot_t value) {
  auto it = std::find(values.begin(), values.end(), value);
  if (it != values.end()) {
    *it = values.back();
    values.pop_back();
  }
}

}  // namespace

struct lock_order_graph::impl {
  struct slot {
    node id = 0;
    std::uint64_t rank = 0;
    bool alive = false;
    std::vector<slot_t> out;
    std::vector<slot_t> in;
    std::vector<slot_t> side_out;  // side edges (outside the order)
    std::vector<slot_t> side_in;
  };

  std::vector<slot> slots;
  std::vector<slot_t> free_slots;
  std::unordered_map<node, slot_t> index;
  std::unordered_set<std::uint64_t> edges;
  std::unordered_set<std::uint64_t> side_edges;
  // Every node placed in a slot gets the next rank, so it is ranked after
  // every other node: edges into a new node never need a reorder.
  std::uint64_t next_rank = kRankSpacing;
  std::unordered_set<std::uint64_t> used_ranks;

  // Scratch for the searches, kept to avoid reallocating on every reorder.
  std::vector<char> visited;
  std::vector<slot_t> parent;
  std::vector<slot_t> delta_forward;
  std::vector<slot_t> delta_backward;
  std::vector<slot_t> work;
  std::vector<std::uint64_t> merged_ranks;
  // search_from(): 0-1 breadth-first search state, valid for search_epoch.
  std::vector<std::uint32_t> search_mark;
  std::vector<std::uint32_t> target_mark;  // search_from()'s targets, by epoch
  std::vector<std::uint32_t> search_dist;
  std::vector<slot_t> search_parent;
  std::vector<slot_t> search_deque;  // a deque in a vector: [front, back)
  std::uint32_t search_epoch = 0;
  slot_t search_start = kNoSlot;
  // Edges examined by every search so far (search_work()).
  std::uint64_t work_done = 0;

  slot_t find(node n) const {
    auto it = index.find(n);
    return it == index.end() ? kNoSlot : it->second;
  }

  slot_t get_or_create(node n) {
    auto [it, inserted] = index.try_emplace(n, kNoSlot);
    if (!inserted) return it->second;
    const std::uint64_t rank = next_rank;
    next_rank += kRankSpacing;
    return place(it, rank);
  }

  // A free rank just above `above`, or 0 if the next kRankProbes values (and
  // the next counter value) are taken.
  std::uint64_t free_rank_above(std::uint64_t above) const {
    for (std::uint64_t r = above + 1; r <= above + kRankProbes; ++r) {
      if (r % kRankSpacing == 0) break;  // counter values belong to get_or_create
      if (used_ranks.count(r) == 0) return r;
    }
    return 0;
  }

  slot_t place(std::unordered_map<node, slot_t>::iterator it, std::uint64_t rank) {
    const node n = it->first;
    slot_t s;
    if (!free_slots.empty()) {
      s = free_slots.back();
      free_slots.pop_back();
    } else {
      s = static_cast<slot_t>(slots.size());
      slots.emplace_back();
      visited.push_back(0);
      parent.push_back(kNoSlot);
      search_mark.push_back(0);
      search_dist.push_back(0);
      search_parent.push_back(kNoSlot);
    }
    slots[s].rank = rank;  // unique: reorders only permute ranks already given
    used_ranks.insert(rank);
    slots[s].id = n;
    slots[s].alive = true;
    it->second = s;
    return s;
  }

  void clear_marks(const std::vector<slot_t>& marked) {
    for (slot_t s : marked) visited[s] = 0;
  }

  // Breadth-first from `start` over nodes ranked at most `upper`; collects
  // them in delta_forward with BFS parents. Returns true if `target` is
  // reached (a cycle), leaving marks set for path extraction by the caller.
  bool forward_search(slot_t start, slot_t target, std::uint64_t upper) {
    delta_forward.clear();
    delta_forward.push_back(start);
    visited[start] = 1;
    parent[start] = kNoSlot;
    for (std::size_t head = 0; head < delta_forward.size(); ++head) {
      slot_t current = delta_forward[head];
      work_done += slots[current].out.size();
      for (slot_t next : slots[current].out) {
        if (next == target) {
          parent[next] = current;
          return true;
        }
        if (!visited[next] && slots[next].rank < upper) {
          visited[next] = 1;
          parent[next] = current;
          delta_forward.push_back(next);
        }
      }
    }
    return false;
  }

  // Nodes that reach `start` and are ranked above `lower`.
  void backward_search(slot_t start, std::uint64_t lower) {
    delta_backward.clear();
    work.clear();
    work.push_back(start);
    visited[start] = 1;
    while (!work.empty()) {
      slot_t current = work.back();
      work.pop_back();
      delta_backward.push_back(current);
      work_done += slots[current].in.size();
      for (slot_t prev : slots[current].in) {
        if (!visited[prev] && slots[prev].rank > lower) {
          visited[prev] = 1;
          work.push_back(prev);
        }
      }
    }
  }

  // Gives the affected nodes the same pool of ranks, ordered so that every
  // node that reaches `from` precedes every node reachable from `to`.
  void reorder() {
    auto by_rank = [this](slot_t a, slot_t b) { return slots[a].rank < slots[b].rank; };
    std::sort(delta_backward.begin(), delta_backward.end(), by_rank);
    std::sort(delta_forward.begin(), delta_forward.end(), by_rank);
    merged_ranks.clear();
    for (slot_t s : delta_backward) merged_ranks.push_back(slots[s].rank);
    for (slot_t s : delta_forward) merged_ranks.push_back(slots[s].rank);
    std::sort(merged_ranks.begin(), merged_ranks.end());
    std::size_t next = 0;
    for (slot_t s : delta_backward) slots[s].rank = merged_ranks[next++];
    for (slot_t s : delta_forward) slots[s].rank = merged_ranks[next++];
  }

  void add_edge(slot_t from, slot_t to) {
    edges.insert(edge_key(from, to));
    slots[from].out.push_back(to);
    slots[to].in.push_back(from);
  }
};

lock_order_graph::lock_order_graph() : impl_(std::make_unique<impl>()) {}
lock_order_graph::~lock_order_graph() = default;

bool lock_order_graph::insert_edge(node from, node to, std::vector<node>* cycle_path) {
  impl& g = *impl_;
  if (from == to) {
    if (cycle_path != nullptr) *cycle_path = {from};
    return false;
  }
  // Fast path first: an edge seen before needs no allocation and no search.
  slot_t x = g.find(from);
  slot_t y = g.find(to);
  if (x != kNoSlot && y != kNoSlot && g.edges.count(edge_key(x, y)) != 0) return true;
  x = g.get_or_create(from);
  y = g.get_or_create(to);

  const std::uint64_t upper = g.slots[x].rank;
  const std::uint64_t lower = g.slots[y].rank;
  if (lower > upper) {
    g.add_edge(x, y);
    return true;
  }

  if (g.forward_search(y, x, upper)) {
    if (cycle_path != nullptr) {
      cycle_path->clear();
      for (slot_t s = x; s != kNoSlot; s = g.parent[s]) cycle_path->push_back(g.slots[s].id);
      std::reverse(cycle_path->begin(), cycle_path->end());
    }
    g.clear_marks(g.delta_forward);
    return false;
  }
  g.backward_search(x, lower);
  g.clear_marks(g.delta_forward);
  g.clear_marks(g.delta_backward);
  g.reorder();
  g.add_edge(x, y);
  return true;
}

void lock_order_graph::insert_node_after(node n, node after, node also_after) {
  impl& g = *impl_;
  if (g.find(n) != kNoSlot) return;
  std::uint64_t above = 0;
  bool found = false;
  for (node pred : {after, also_after}) {
    const slot_t s = g.find(pred);
    if (s != kNoSlot) {
      above = std::max(above, g.slots[s].rank);
      found = true;
    }
  }
  const std::uint64_t rank = found ? g.free_rank_above(above) : 0;
  if (rank == 0) {
    g.get_or_create(n);
    return;
  }
  g.place(g.index.try_emplace(n, kNoSlot).first, rank);
}

bool lock_order_graph::has_edge(node from, node to) const {
  slot_t x = impl_->find(from);
  slot_t y = impl_->find(to);
  return x != kNoSlot && y != kNoSlot && impl_->edges.count(edge_key(x, y)) != 0;
}

void lock_order_graph::remove_edge(node from, node to) {
  impl& g = *impl_;
  slot_t x = g.find(from);
  slot_t y = g.find(to);
  if (x == kNoSlot || y == kNoSlot || g.edges.erase(edge_key(x, y)) == 0) return;
  erase_value(g.slots[x].out, y);
  erase_value(g.slots[y].in, x);
}

void lock_order_graph::remove_node(node n) {
  impl& g = *impl_;
  slot_t x = g.find(n);
  if (x == kNoSlot) return;
  auto& s = g.slots[x];
  for (slot_t succ : s.out) {
    g.edges.erase(edge_key(x, succ));
    erase_value(g.slots[succ].in, x);
  }
  for (slot_t pred : s.in) {
    g.edges.erase(edge_key(pred, x));
    erase_value(g.slots[pred].out, x);
  }
  for (slot_t succ : s.side_out) {
    g.side_edges.erase(edge_key(x, succ));
    erase_value(g.slots[succ].side_in, x);
  }
  for (slot_t pred : s.side_in) {
    g.side_edges.erase(edge_key(pred, x));
    erase_value(g.slots[pred].side_out, x);
  }
  // Release the memory too: a run with millions of short-lived locks must not
  // keep the adjacency capacity of every lock it ever saw.
  std::vector<slot_t>().swap(s.out);
  std::vector<slot_t>().swap(s.in);
  std::vector<slot_t>().swap(s.side_out);
  std::vector<slot_t>().swap(s.side_in);
  s.alive = false;
  g.used_ranks.erase(s.rank);
  g.index.erase(n);
  g.free_slots.push_back(x);
}

void lock_order_graph::add_side_edge(node from, node to) {
  impl& g = *impl_;
  const slot_t x = g.get_or_create(from);
  const slot_t y = g.get_or_create(to);
  if (!g.side_edges.insert(edge_key(x, y)).second) return;
  g.slots[x].side_out.push_back(y);
  g.slots[y].side_in.push_back(x);
}

void lock_order_graph::remove_side_edge(node from, node to) {
  impl& g = *impl_;
  const slot_t x = g.find(from);
  const slot_t y = g.find(to);
  if (x == kNoSlot || y == kNoSlot || g.side_edges.erase(edge_key(x, y)) == 0) return;
  erase_value(g.slots[x].side_out, y);
  erase_value(g.slots[y].side_in, x);
}

bool lock_order_graph::has_side_edge(node from, node to) const {
  const slot_t x = impl_->find(from);
  const slot_t y = impl_->find(to);
  return x != kNoSlot && y != kNoSlot && impl_->side_edges.count(edge_key(x, y)) != 0;
}

std::size_t lock_order_graph::search_from(node from, node free_tag, const std::vector<node>& targets) {
  impl& g = *impl_;
  const slot_t start = g.find(from);
  g.search_start = start;
  if (++g.search_epoch == 0) {  // wrapped: forget every old mark
    std::fill(g.search_mark.begin(), g.search_mark.end(), 0);
    std::fill(g.target_mark.begin(), g.target_mark.end(), 0);
    g.search_epoch = 1;
  }
  if (start == kNoSlot) return 0;
  const std::uint32_t epoch = g.search_epoch;
  // 0-1 breadth-first search: a free edge's target goes to the front of the
  // deque, a costly one's to the back. The deque lives in a vector with room
  // for twice the slots (each slot is pushed at most twice: once per
  // improvement of its distance, which can only go from d+1 to d).
  const std::size_t room = 2 * g.slots.size() + 2;
  if (g.search_deque.size() < 2 * room) g.search_deque.resize(2 * room);
  std::size_t front = room;
  std::size_t back = room;
  g.search_deque[back++] = start;
  g.search_mark[start] = epoch;
  g.search_dist[start] = 0;
  g.search_parent[start] = kNoSlot;
  std::size_t visits = 0;
  // Targets: the search may stop once each has left the deque (its distance
  // and parent are final then, as in Dijkstra's algorithm).
  std::size_t targets_left = 0;
  if (g.target_mark.size() < g.slots.size()) g.target_mark.resize(g.slots.size(), 0);
  for (node t : targets) {
    const slot_t ts = g.find(t);
    if (ts == kNoSlot || g.target_mark[ts] == epoch) continue;
    g.target_mark[ts] = epoch;
    ++targets_left;
  }
  const bool stop_at_targets = !targets.empty();
  auto relax = [&](slot_t at, slot_t next) {
    const std::uint32_t cost = (g.slots[next].id & free_tag) != 0 ? 0 : 1;
    const std::uint32_t dist = g.search_dist[at] + cost;
    if (g.search_mark[next] == epoch && g.search_dist[next] <= dist) return;
    g.search_mark[next] = epoch;
    g.search_dist[next] = dist;
    g.search_parent[next] = at;
    if (cost == 0) {
      g.search_deque[--front] = next;
    } else {
      g.search_deque[back++] = next;
    }
  };
  while (front != back) {
    const slot_t at = g.search_deque[front++];
    if (stop_at_targets && g.target_mark[at] == epoch) {
      g.target_mark[at] = 0;  // counted once, though a slot can be queued twice
      if (--targets_left == 0) break;
    }
    const auto& entry = g.slots[at];
    visits += entry.out.size() + entry.side_out.size();
    for (slot_t next : entry.out) relax(at, next);
    for (slot_t next : entry.side_out) relax(at, next);
  }
  g.work_done += visits;
  return visits;
}

std::vector<lock_order_graph::node> lock_order_graph::path_from_search(node to) const {
  const impl& g = *impl_;
  std::vector<node> path;
  const slot_t end = g.find(to);
  if (end == kNoSlot || g.search_start == kNoSlot || g.search_mark[end] != g.search_epoch) return path;
  for (slot_t s = end; s != kNoSlot; s = g.search_parent[s]) path.push_back(g.slots[s].id);
  std::reverse(path.begin(), path.end());
  return path;
}

void lock_order_graph::all_successors(node n, std::vector<node>& out) const {
  out.clear();
  const slot_t x = impl_->find(n);
  if (x == kNoSlot) return;
  for (slot_t s : impl_->slots[x].out) out.push_back(impl_->slots[s].id);
  for (slot_t s : impl_->slots[x].side_out) out.push_back(impl_->slots[s].id);
}

std::uint64_t lock_order_graph::search_work() const {
  return impl_->work_done;
}

std::size_t lock_order_graph::side_edge_count() const {
  return impl_->side_edges.size();
}

bool lock_order_graph::has_node(node n) const {
  return impl_->find(n) != kNoSlot;
}

std::vector<lock_order_graph::node> lock_order_graph::find_path(node from, node to,
                                                                std::size_t max_length) const {
  const impl& g = *impl_;
  slot_t x = g.find(from);
  slot_t y = g.find(to);
  if (x == kNoSlot || y == kNoSlot || max_length == 0) return {};
  if (x == y) return {from};
  // Breadth-first (shortest path), pruned by rank: a node ranked above `to`
  // cannot reach it. Local scratch keeps this const and reentrant.
  const std::uint64_t limit = g.slots[y].rank;
  std::unordered_map<slot_t, slot_t> parent;
  std::vector<std::pair<slot_t, std::size_t>> queue{{x, 1}};
  parent.emplace(x, kNoSlot);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    auto [current, depth] = queue[head];
    if (depth >= max_length) continue;
    for (slot_t next : g.slots[current].out) {
      if (g.slots[next].rank > limit || !parent.emplace(next, current).second) continue;
      if (next == y) {
        std::vector<node> path;
        for (slot_t s = y; s != kNoSlot; s = parent.at(s)) path.push_back(g.slots[s].id);
        std::reverse(path.begin(), path.end());
        return path;
      }
      queue.emplace_back(next, depth + 1);
    }
  }
  return {};
}

std::size_t lock_order_graph::node_count() const {
  return impl_->index.size();
}
std::size_t lock_order_graph::edge_count() const {
  return impl_->edges.size();
}

std::vector<lock_order_graph::node> lock_order_graph::successors(node n) const {
  std::vector<node> result;
  slot_t x = impl_->find(n);
  if (x == kNoSlot) return result;
  for (slot_t s : impl_->slots[x].out) result.push_back(impl_->slots[s].id);
  return result;
}

bool lock_order_graph::check_invariants() const {
  const impl& g = *impl_;
  std::unordered_set<std::uint64_t> ranks;
  std::size_t edge_total = 0;
  std::size_t side_total = 0;
  for (slot_t s = 0; s < g.slots.size(); ++s) {
    const auto& entry = g.slots[s];
    if (g.visited[s] != 0) return false;  // scratch marks must be cleared
    if (!entry.alive) {
      if (!entry.out.empty() || !entry.in.empty() || !entry.side_out.empty() || !entry.side_in.empty()) {
        return false;
      }
      continue;
    }
    if (!ranks.insert(entry.rank).second) return false;  // ranks must stay unique
    if (g.used_ranks.count(entry.rank) == 0) return false;
    auto it = g.index.find(entry.id);
    if (it == g.index.end() || it->second != s) return false;
    for (slot_t next : entry.out) {
      if (!g.slots[next].alive || g.slots[next].rank <= entry.rank) return false;
      if (g.edges.count(edge_key(s, next)) == 0) return false;
      if (std::count(g.slots[next].in.begin(), g.slots[next].in.end(), s) != 1) return false;
      ++edge_total;
    }
    for (slot_t next : entry.side_out) {
      if (!g.slots[next].alive || g.side_edges.count(edge_key(s, next)) == 0) return false;
      ++side_total;
    }
  }
  return edge_total == g.edges.size() && side_total == g.side_edges.size() &&
         g.index.size() + g.free_slots.size() == g.slots.size() && g.used_ranks.size() == g.index.size();
}

}  // namespace concheck::detector
