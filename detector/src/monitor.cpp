// concheck detector: the monitor engine (see monitor.hpp for the rules).
#include "concheck/detector/monitor.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/lock_order_graph.hpp"
#include "monitor_internal.hpp"

namespace concheck::detector {
namespace {

struct edge_key {
  lock_id from = 0;
  lock_id to = 0;
  bool operator==(const edge_key&) const = default;
};

struct edge_key_hash {
  std::size_t operator()(const edge_key& key) const noexcept {
    return static_cast<std::size_t>(mix64(key.from * 0x100000001b3ULL ^ key.to));
  }
};

// What the monitor remembers about one order edge.
struct edge_payload {
  thread_id thread = 0;  // first occurrence
  stack_ref from_stack = 0;
  stack_ref to_stack = 0;
  std::uintptr_t from_pc = 0;
  bool first_from_shared = false;
  bool first_to_shared = false;
  bool from_exclusive_seen = false;  // some occurrence held `from` exclusively
  bool to_exclusive_seen = false;    // some occurrence requested `to` exclusively
  bool in_graph = false;             // false: refused because it closes a cycle
  std::vector<lock_id> gates;        // sorted; exclusive locks held at every occurrence
};

void remove_value(std::vector<lock_id>& values, lock_id value) {
  auto it = std::find(values.begin(), values.end(), value);
  if (it != values.end()) {
    *it = values.back();
    values.pop_back();
  }
}

}  // namespace

struct monitor::impl {
  detail::internal_lock lock{detail::lock_rank::monitor};
  lock_order_graph graph;
  std::unordered_map<edge_key, edge_payload, edge_key_hash> edges;
  std::unordered_map<lock_id, std::vector<lock_id>> successors;  // every known edge, for forgetting
  std::unordered_map<lock_id, std::vector<lock_id>> predecessors;
  std::vector<edge_key> refused;
  std::unordered_set<std::uint64_t> reported;
  struct cv_binding {
    lock_id mutex = 0;
    std::uint32_t waiters = 0;
  };
  std::unordered_map<std::uint64_t, cv_binding> cvs;

  // One occurrence of held -> wanted. Appends any cycle it makes reportable.
  void record_edge(const held_lock& held, const lock_event& event, thread_id thread, stack_ref stack,
                   std::vector<lock_id>& gates, std::vector<std::vector<cycle_edge_view>>& out);
  // Re-checks a refused edge: inserts it if its cycle is gone, reports its cycle if reportable.
  void evaluate_refused(const edge_key& key, std::vector<std::vector<cycle_edge_view>>& out);
  void evaluate_all_refused(const edge_key* skip, std::vector<std::vector<cycle_edge_view>>& out);
  void evaluate_cycle(const edge_key& closing, const std::vector<lock_id>& path,
                      std::vector<std::vector<cycle_edge_view>>& out);
  // evaluate_cycle on the shortest cycle; if that one is not reportable
  // (gated, reader-reader, already reported), a bounded search of the other
  // cycles through `closing`.
  void evaluate_closing(const edge_key& closing, const std::vector<lock_id>& shortest,
                        std::vector<std::vector<cycle_edge_view>>& out);
  void evaluate_alternatives(const edge_key& closing, std::vector<std::vector<cycle_edge_view>>& out);
  // For a new graph edge a -> b: every refused x -> y with b ->* x and
  // y ->* a closes the cycle a -> b ->* x -> y ->* a.
  void evaluate_through_refused(const edge_key& added, std::vector<std::vector<cycle_edge_view>>& out);
};

void monitor::impl::evaluate_through_refused(const edge_key& added,
                                             std::vector<std::vector<cycle_edge_view>>& out) {
  // Breadth-first search over every recorded edge (graph and refused) from
  // `to` back to `from`: the shortest cycle through the new edge. O(edges),
  // paid only while refused edges exist, i.e. after a potential deadlock was
  // already found.
  std::unordered_map<lock_id, lock_id> parent;
  std::vector<lock_id> frontier{added.to};
  parent.emplace(added.to, added.to);
  bool found = false;
  while (!frontier.empty() && !found) {
    std::vector<lock_id> next;
    for (lock_id at : frontier) {
      auto it = successors.find(at);
      if (it == successors.end()) continue;
      for (lock_id to : it->second) {
        if (!parent.emplace(to, at).second) continue;
        if (to == added.from) {
          found = true;
          break;
        }
        next.push_back(to);
      }
      if (found) break;
    }
    frontier = std::move(next);
  }
  if (!found) return;
  std::vector<lock_id> path{added.from};
  for (lock_id at = added.from; at != added.to;) {
    at = parent[at];
    path.push_back(at);
  }
  std::reverse(path.begin(), path.end());  // to ->* from
  evaluate_closing(added, path, out);
}

void monitor::impl::record_edge(const held_lock& held, const lock_event& event, thread_id thread,
                                stack_ref stack, std::vector<lock_id>& gates,
                                std::vector<std::vector<cycle_edge_view>>& out) {
  const edge_key key{held.lock, event.lock};
  const bool from_exclusive = held.mode == lock_mode::exclusive;
  const bool to_exclusive = event.mode == lock_mode::exclusive;
  auto [it, inserted] = edges.try_emplace(key);
  edge_payload& edge = it->second;
  bool weakened = false;
  if (inserted) {
    edge.thread = thread;
    edge.from_stack = held.stack;
    edge.from_pc = held.pc;
    edge.to_stack = stack;
    edge.first_from_shared = !from_exclusive;
    edge.first_to_shared = !to_exclusive;
    edge.from_exclusive_seen = from_exclusive;
    edge.to_exclusive_seen = to_exclusive;
    edge.gates = gates;
    successors[key.from].push_back(key.to);
    predecessors[key.to].push_back(key.from);
    std::vector<lock_id> path;
    if (graph.insert_edge(key.from, key.to, &path)) {
      edge.in_graph = true;
      // The graph holds no refused edge, so a cycle through this edge and a
      // refused one is not visible to it: look for them explicitly.
      if (!refused.empty()) evaluate_through_refused(key, out);
    } else {
      refused.push_back(key);
      evaluate_closing(key, path, out);
    }
  } else {
    if (from_exclusive && !edge.from_exclusive_seen) edge.from_exclusive_seen = weakened = true;
    if (to_exclusive && !edge.to_exclusive_seen) edge.to_exclusive_seen = weakened = true;
    if (!edge.gates.empty()) {
      std::vector<lock_id> common;
      std::set_intersection(edge.gates.begin(), edge.gates.end(), gates.begin(), gates.end(),
                            std::back_inserter(common));
      if (common.size() != edge.gates.size()) {
        edge.gates = std::move(common);
        weakened = true;
      }
    }
    if (!edge.in_graph) evaluate_refused(key, out);
  }
  if (weakened && !refused.empty()) evaluate_all_refused(&key, out);
}

void monitor::impl::evaluate_refused(const edge_key& key, std::vector<std::vector<cycle_edge_view>>& out) {
  auto it = edges.find(key);
  if (it == edges.end() || it->second.in_graph) return;
  std::vector<lock_id> path;
  if (graph.insert_edge(key.from, key.to, &path)) {
    // The cycle it closed is gone (a lock on it died): it is an ordinary edge now.
    it->second.in_graph = true;
    refused.erase(std::remove(refused.begin(), refused.end(), key), refused.end());
    return;
  }
  evaluate_closing(key, path, out);
}

void monitor::impl::evaluate_all_refused(const edge_key* skip,
                                         std::vector<std::vector<cycle_edge_view>>& out) {
  const std::vector<edge_key> pending = refused;  // evaluate_refused may shrink `refused`
  for (const edge_key& key : pending) {
    if (skip != nullptr && key == *skip) continue;
    evaluate_refused(key, out);
  }
}

void monitor::impl::evaluate_closing(const edge_key& closing, const std::vector<lock_id>& shortest,
                                     std::vector<std::vector<cycle_edge_view>>& out) {
  const std::size_t before = out.size();
  evaluate_cycle(closing, shortest, out);
  if (out.size() == before) evaluate_alternatives(closing, out);
}

void monitor::impl::evaluate_alternatives(const edge_key& closing,
                                          std::vector<std::vector<cycle_edge_view>>& out) {
  // Depth-first search of the simple paths to ->* from over every recorded
  // edge; each closes another cycle through `closing`, checked like the
  // shortest. Exponential in general, so bounded: at most kMaxSteps edges
  // visited and kMaxCycles cycles checked per call (a slow path: only new
  // edges, new contexts and refused edges get here), stopping at the first
  // cycle reported. Beyond the bound a reportable longer cycle can still be
  // missed (monitor.hpp).
  constexpr std::size_t kMaxSteps = 4096;
  constexpr std::size_t kMaxCycles = 64;
  struct frame {
    lock_id at;
    std::size_t next;  // index into successors[at]
  };
  std::vector<frame> stack{frame{closing.to, 0}};
  std::vector<lock_id> path{closing.to};
  std::unordered_set<lock_id> on_path{closing.to};
  std::size_t steps = 0;
  std::size_t cycles = 0;
  const std::size_t before = out.size();
  while (!stack.empty() && steps < kMaxSteps && cycles < kMaxCycles && out.size() == before) {
    frame& top = stack.back();
    auto it = successors.find(top.at);
    if (it == successors.end() || top.next >= it->second.size()) {
      on_path.erase(top.at);
      path.pop_back();
      stack.pop_back();
      continue;
    }
    const lock_id to = it->second[top.next++];
    ++steps;
    if (to == closing.from) {
      path.push_back(to);
      ++cycles;
      evaluate_cycle(closing, path, out);
      path.pop_back();
      continue;
    }
    if (!on_path.insert(to).second) continue;
    path.push_back(to);
    stack.push_back(frame{to, 0});
  }
}

void monitor::impl::evaluate_cycle(const edge_key& closing, const std::vector<lock_id>& path,
                                   std::vector<std::vector<cycle_edge_view>>& out) {
  // The cycle: closing (from -> to), then path to -> ... -> from.
  std::vector<const edge_payload*> cycle;
  std::vector<edge_key> keys;
  keys.push_back(closing);
  for (std::size_t i = 0; i + 1 < path.size(); ++i) keys.push_back(edge_key{path[i], path[i + 1]});
  for (const edge_key& key : keys) {
    auto it = edges.find(key);
    if (it == edges.end()) return;  // the graph knows an edge we forgot: cannot describe it
    cycle.push_back(&it->second);
  }
  // Gate lock: one exclusive lock held at every occurrence of every edge.
  std::vector<lock_id> common = edges.at(closing).gates;
  for (std::size_t i = 1; i < cycle.size() && !common.empty(); ++i) {
    std::vector<lock_id> next;
    std::set_intersection(common.begin(), common.end(), cycle[i]->gates.begin(), cycle[i]->gates.end(),
                          std::back_inserter(next));
    common = std::move(next);
  }
  if (!common.empty()) return;
  // Modes: at every lock of the cycle, the request (incoming edge) must
  // conflict with the hold (outgoing edge): not both shared.
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const edge_payload& incoming = *cycle[i];
    const edge_payload& outgoing = *cycle[(i + 1) % cycle.size()];
    if (!incoming.to_exclusive_seen && !outgoing.from_exclusive_seen) return;
  }
  std::vector<edge_key> sorted = keys;
  std::sort(sorted.begin(), sorted.end(), [](const edge_key& a, const edge_key& b) {
    return a.from != b.from ? a.from < b.from : a.to < b.to;
  });
  std::uint64_t signature = 0x51ed27;
  for (const edge_key& key : sorted) signature = mix64(signature ^ mix64(key.from) ^ (key.to * 0x9e37));
  if (!reported.insert(signature).second) return;
  std::vector<cycle_edge_view> views;
  views.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const edge_payload& edge = *cycle[i];
    views.push_back(cycle_edge_view{keys[i].from, keys[i].to, edge.thread, edge.from_stack, edge.to_stack,
                                    edge.from_pc, edge.first_from_shared, edge.first_to_shared});
  }
  out.push_back(std::move(views));
}

monitor::monitor() : impl_(std::make_unique<impl>()) {}
monitor::~monitor() = default;

before_lock_result monitor::before_lock(monitor_thread& thread, const lock_event& event,
                                        stack_capture_fn capture, void* context) {
  before_lock_result result;
  const std::size_t count = thread.held_count();
  if (count == 0) return result;
  // One pass: a re-acquisition? and the hash-sum of the exclusive locks held
  // (the gate candidates).
  std::size_t existing = kNotFound;
  std::uint64_t gate_sum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& slot = thread.slot_at(i);
    if (slot.lock.load(std::memory_order_relaxed) == event.lock) existing = i;
    if (slot.mode.load(std::memory_order_relaxed) == static_cast<std::uint8_t>(lock_mode::exclusive)) {
      gate_sum += mix64(slot.lock.load(std::memory_order_relaxed));
    }
  }
  if (existing != kNotFound) {
    result.already_held = true;
    result.held = thread.held(existing);
    if (event.kind != acquire_kind::blocking) return result;
    switch (event.relock) {
      case relock_behavior::blocks:
        result.self_deadlock = true;
        break;
      case relock_behavior::recursive:
      case relock_behavior::fails:
        break;
      case relock_behavior::rwlock:
        result.self_deadlock = result.held.mode == lock_mode::shared && event.mode == lock_mode::exclusive;
        break;
    }
    return result;  // a re-acquisition adds no order edge
  }
  if (event.kind != acquire_kind::blocking) return result;

  // Fast path: every (held, wanted, context) already known to this thread.
  // The same context monitor_thread::fast_acquire_ok() probes.
  auto context_of = [&](lock_id, lock_mode mode, std::uint64_t hash) {
    return monitor_thread::edge_context(gate_sum, mode, hash, event.mode);
  };
  monitor_thread::edge_cache& cache = thread.cache_;
  bool all_known = cache.entries != nullptr;
  for (std::size_t i = 0; i < count && all_known; ++i) {
    const auto& slot = thread.slot_at(i);
    const lock_id held = slot.lock.load(std::memory_order_relaxed);
    const auto mode = static_cast<lock_mode>(slot.mode.load(std::memory_order_relaxed));
    all_known = cache.contains(held, event.lock, context_of(held, mode, mix64(held)));
  }
  if (all_known) return result;

  // Slow path: an edge this thread has not cached in this context. Edges the
  // monitor already knows are updated (gates, modes) at once; a full stack
  // (microseconds) is captured, outside the monitor's lock, only if some edge
  // is new to the process, and those are recorded in a second pass.
  std::vector<held_lock> held = thread.held_locks();
  std::vector<lock_id> exclusive;
  for (const held_lock& h : held) {
    if (h.mode == lock_mode::exclusive) exclusive.push_back(h.lock);
  }
  std::sort(exclusive.begin(), exclusive.end());
  std::vector<char> pending(held.size(), 0);
  for (std::size_t i = 0; i < held.size(); ++i) {
    const held_lock& h = held[i];
    pending[i] = cache.entries == nullptr ||
                 !cache.contains(h.lock, event.lock, context_of(h.lock, h.mode, mix64(h.lock)));
    if (pending[i]) cache.note_miss();
  }
  std::vector<lock_id> gates;
  auto record = [&](bool may_insert) {
    bool new_edges = false;
    detail::internal_guard guard(impl_->lock);
    for (std::size_t i = 0; i < held.size(); ++i) {
      if (!pending[i]) continue;
      const held_lock& h = held[i];
      if (!may_insert && impl_->edges.find(edge_key{h.lock, event.lock}) == impl_->edges.end()) {
        new_edges = true;
        continue;
      }
      gates.clear();
      for (lock_id other : exclusive) {
        if (other != h.lock) gates.push_back(other);
      }
      impl_->record_edge(h, event, thread.id(), result.stack, gates, result.inversions);
      pending[i] = 0;
    }
    return new_edges;
  };
  if (record(false)) {
    result.stack = capture != nullptr ? capture(context) : 0;
    record(true);
  }
  for (const held_lock& h : held) cache.insert(h.lock, event.lock, context_of(h.lock, h.mode, mix64(h.lock)));
  return result;
}

void monitor::after_lock(monitor_thread& thread, const lock_event& event, stack_ref stack,
                         bool known_not_held) noexcept {
  const std::size_t existing =
      known_not_held || thread.held_count() == 0 ? kNotFound : thread.index_of(event.lock);
  thread.begin_change();
  if (existing != kNotFound) {
    auto& slot = thread.slot_at(existing);
    slot.depth.store(slot.depth.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  } else {
    thread.push(held_lock{event.lock, event.pc, stack, event.mode, 1});
  }
  thread.end_change();
}

bool monitor::before_unlock(monitor_thread& thread, lock_id lock) noexcept {
  const std::size_t index = thread.index_of(lock);
  if (index == kNotFound) return false;
  thread.begin_change();
  auto& slot = thread.slot_at(index);
  const std::uint32_t depth = slot.depth.load(std::memory_order_relaxed);
  if (depth > 1) {
    slot.depth.store(depth - 1, std::memory_order_relaxed);
  } else {
    thread.remove_at(index);
  }
  thread.end_change();
  return true;
}

void monitor::on_lock_destroyed(lock_id lock) {
  detail::internal_guard guard(impl_->lock);
  impl& state = *impl_;
  if (state.graph.has_node(lock)) state.graph.remove_node(lock);
  if (auto it = state.successors.find(lock); it != state.successors.end()) {
    for (lock_id to : it->second) {
      state.edges.erase(edge_key{lock, to});
      if (auto p = state.predecessors.find(to); p != state.predecessors.end()) {
        remove_value(p->second, lock);
        if (p->second.empty()) state.predecessors.erase(p);
      }
    }
    state.successors.erase(it);
  }
  if (auto it = state.predecessors.find(lock); it != state.predecessors.end()) {
    for (lock_id from : it->second) {
      state.edges.erase(edge_key{from, lock});
      if (auto s = state.successors.find(from); s != state.successors.end()) {
        remove_value(s->second, lock);
        if (s->second.empty()) state.successors.erase(s);
      }
    }
    state.predecessors.erase(it);
  }
  std::erase_if(state.refused, [lock](const edge_key& key) { return key.from == lock || key.to == lock; });
  // A refused edge whose cycle ran through this lock can now join the graph.
  if (!state.refused.empty()) {
    std::vector<std::vector<cycle_edge_view>> ignored;  // cycles through a dead lock: nothing new
    std::vector<edge_key> pending = state.refused;
    for (const edge_key& key : pending) {
      if (state.graph.find_path(key.to, key.from).empty()) state.evaluate_refused(key, ignored);
    }
  }
}

cv_check monitor::cv_wait_begin(monitor_thread& thread, std::uint64_t cv, lock_id mutex) {
  cv_check check;
  if (thread.index_of(mutex) == kNotFound) check.misuse = cv_misuse::mutex_not_held;
  detail::internal_guard guard(impl_->lock);
  auto& binding = impl_->cvs[cv];
  if (binding.waiters > 0 && binding.mutex != mutex) {
    if (check.misuse == cv_misuse::none) check.misuse = cv_misuse::two_mutexes;
    check.other_mutex = binding.mutex;
  } else {
    binding.mutex = mutex;
  }
  ++binding.waiters;
  return check;
}

void monitor::cv_wait_end(std::uint64_t cv) noexcept {
  detail::internal_guard guard(impl_->lock);
  auto it = impl_->cvs.find(cv);
  if (it == impl_->cvs.end()) return;
  if (--it->second.waiters == 0) impl_->cvs.erase(it);
}

void monitor::on_cv_destroyed(std::uint64_t cv) noexcept {
  detail::internal_guard guard(impl_->lock);
  impl_->cvs.erase(cv);
}

held_lock monitor::release_for_wait(monitor_thread& thread, lock_id mutex) noexcept {
  const std::size_t index = thread.index_of(mutex);
  if (index == kNotFound) return held_lock{0, 0, 0, lock_mode::exclusive, 0};
  held_lock entry = thread.held(index);
  thread.begin_change();
  thread.remove_at(index);
  thread.end_change();
  return entry;
}

void monitor::reacquire_after_wait(monitor_thread& thread, const held_lock& entry) noexcept {
  if (entry.lock == 0) return;
  thread.begin_change();
  thread.push(entry);
  thread.end_change();
}

void monitor::lock_for_fork() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  impl_->lock.lock();
}
void monitor::unlock_after_fork() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  impl_->lock.unlock();
}

monitor_stats monitor::stats() {
  detail::internal_guard guard(impl_->lock);
  monitor_stats out;
  out.graph_nodes = impl_->graph.node_count();
  out.graph_edges = impl_->graph.edge_count();
  out.edge_payloads = impl_->edges.size();
  out.refused_edges = impl_->refused.size();
  out.cv_bindings = impl_->cvs.size();
  out.reported_cycles = impl_->reported.size();
  return out;
}

}  // namespace concheck::detector
