// concheck detector: recording contexts and acquisitions, and forgetting dead
// locks (see monitor_state.hpp for the model and its costs).
#include <algorithm>

#include "monitor_state.hpp"

namespace concheck::detector {
namespace {

template <class T>
void erase_one(std::vector<T>& values, const T& value) {
  auto it = std::find(values.begin(), values.end(), value);
  if (it != values.end()) values.erase(it);  // keeps the order (acquired_under is by first occurrence)
}

}  // namespace

graph_node monitor::impl::intern(graph_node parent, const held_lock& held) {
  const context_key key{parent, held.lock, held.pc, held.mode};
  auto [it, inserted] = context_index.try_emplace(key, 0);
  if (!inserted) {
    context_record& record = contexts.at(it->second);
    if (record.stack == 0) record.stack = held.stack;  // a later occurrence brought a stack
    return it->second;
  }
  const graph_node id = kContextTag | next_context++;
  it->second = id;
  context_record& record = contexts[id];
  record.parent = parent;
  record.lock = held.lock;
  record.pc = held.pc;
  record.stack = held.stack;
  record.mode = held.mode;
  newest_in[held.lock].push_back(id);
  // Ranked just above its lock and parent: both insertions are O(1) and cannot
  // close a cycle, and the edge to the next lock acquired under this context
  // searches only what lies between (rotated orders cost O(N^4) otherwise).
  if (!graph.has_node(held.lock)) graph.insert_node_after(held.lock, 0, 0);
  graph.insert_node_after(id, held.lock, parent);
  graph.insert_edge(held.lock, id);
  if (parent != 0) {
    contexts.at(parent).children.push_back(id);
    graph.insert_edge(parent, id);
  }
  return id;
}

graph_node monitor::impl::context_of(monitor_thread& thread, std::size_t count) {
  // Held entries cache their context id; an entry stored since (pushed,
  // shifted) has 0. The ids of a prefix are valid together: a dead lock
  // forgets every context containing it, so if the newest cached id is alive
  // so are those below it.
  std::size_t first = count;
  while (first > 0 && thread.slot_at(first - 1).context.load(std::memory_order_relaxed) == 0) --first;
  graph_node parent = 0;
  if (first > 0) {
    parent = thread.slot_at(first - 1).context.load(std::memory_order_relaxed);
    if (contexts.find(parent) == contexts.end()) {
      first = 0;  // a lock in it died while held: intern the whole sequence again
      parent = 0;
    }
  }
  for (std::size_t i = first; i < count; ++i) {
    parent = intern(parent, thread.held(i));
    thread.slot_at(i).context.store(parent, std::memory_order_relaxed);
  }
  return parent;
}

void monitor::impl::record(const acquisition_key& key, const lock_event& event, thread_id thread,
                           stack_ref stack, std::vector<std::vector<cycle_edge_view>>& out) {
  const bool exclusive = event.mode == lock_mode::exclusive;
  auto [it, inserted] = acquisitions.try_emplace(key);
  acquisition& acq = it->second;
  if (!inserted) {
    // The same locks held in the same order: only a first exclusive request
    // can make a cycle through it reportable (a reader-reader exemption ends).
    if (!exclusive || acq.exclusive_seen) return;
    acq.exclusive_seen = true;
    if (!acq.in_graph || !refused.empty()) evaluate(key, out);
    return;
  }
  acq.thread = thread;
  acq.stack = stack;
  acq.first_shared = !exclusive;
  acq.exclusive_seen = exclusive;
  acquired_under[key.lock].push_back(key.context);
  contexts.at(key.context).acquired.push_back(key.lock);
  if (all_settled(key)) {
    // Every lock-order edge it stands for is in a reported cycle: keep it as
    // a side edge, with no search (see "Settled edges" in monitor_state.hpp).
    graph.add_side_edge(key.context, key.lock);
    refused.push_back(key);
    return;
  }
  if (graph.insert_edge(key.context, key.lock)) {
    acq.in_graph = true;
    // The order graph holds no refused edge, so a cycle through this edge and
    // a refused one is invisible to it: look for one explicitly.
    if (!refused.empty()) evaluate(key, out);
  } else {
    graph.add_side_edge(key.context, key.lock);
    refused.push_back(key);
    evaluate(key, out);
  }
}

void monitor::impl::forget_acquisition(const acquisition_key& key) {
  auto it = acquisitions.find(key);
  if (it == acquisitions.end()) return;
  if (!it->second.in_graph) {
    graph.remove_side_edge(key.context, key.lock);
    erase_one(refused, key);
  }
  acquisitions.erase(it);
}

void monitor::impl::forget_context_tree(graph_node root) {
  // Detach the root from its parent (if that one lives on), then forget the
  // subtree: every context in it contains the dead lock.
  if (auto it = contexts.find(root); it != contexts.end() && it->second.parent != 0) {
    if (auto p = contexts.find(it->second.parent); p != contexts.end()) erase_one(p->second.children, root);
  }
  std::vector<graph_node> pending{root};
  while (!pending.empty()) {
    const graph_node id = pending.back();
    pending.pop_back();
    auto it = contexts.find(id);
    if (it == contexts.end()) continue;
    context_record& record = it->second;
    for (lock_id acquired : record.acquired) {
      forget_acquisition(acquisition_key{id, acquired});
      if (auto u = acquired_under.find(acquired); u != acquired_under.end()) {
        erase_one(u->second, id);
        if (u->second.empty()) acquired_under.erase(u);
      }
    }
    if (auto n = newest_in.find(record.lock); n != newest_in.end()) {
      erase_one(n->second, id);
      if (n->second.empty()) newest_in.erase(n);
    }
    context_index.erase(context_key{record.parent, record.lock, record.pc, record.mode});
    pending.insert(pending.end(), record.children.begin(), record.children.end());
    graph.remove_node(id);
    contexts.erase(it);
  }
}

void monitor::impl::forget_lock(lock_id dead) {
  if (auto it = newest_in.find(dead); it != newest_in.end()) {
    const std::vector<graph_node> roots = it->second;  // forget_context_tree edits the list
    for (graph_node root : roots) forget_context_tree(root);
  }
  if (auto it = acquired_under.find(dead); it != acquired_under.end()) {
    for (graph_node context : it->second) {
      forget_acquisition(acquisition_key{context, dead});
      if (auto c = contexts.find(context); c != contexts.end()) erase_one(c->second.acquired, dead);
    }
    acquired_under.erase(it);
  }
  if (graph.has_node(dead)) graph.remove_node(dead);
}

bool monitor::impl::all_settled(const acquisition_key& key) const {
  if (settled.empty()) return false;
  for (graph_node n = key.context; n != 0;) {
    const context_record& record = contexts.at(n);
    if (!is_settled(record.lock, key.lock)) return false;
    n = record.parent;
  }
  return true;
}

void monitor::impl::retry_refused() {
  // At most kRetryPerCall refused acquisitions per call, in turn: a refused
  // one left out of the order is still searched as a side edge, so a late
  // retry costs evaluation, never a finding, and a run with thousands of
  // refused acquisitions and millions of lock deaths stays linear.
  constexpr std::size_t kRetryPerCall = 64;
  std::vector<acquisition_key> pending;
  for (std::size_t i = 0; i < std::min(kRetryPerCall, refused.size()); ++i) {
    pending.push_back(refused[(retry_cursor + i) % refused.size()]);
  }
  retry_cursor = refused.empty() ? 0 : (retry_cursor + pending.size()) % refused.size();
  for (const acquisition_key& key : pending) {
    graph.remove_side_edge(key.context, key.lock);
    if (graph.insert_edge(key.context, key.lock)) {
      acquisitions.at(key).in_graph = true;
      erase_one(refused, key);
    } else {
      graph.add_side_edge(key.context, key.lock);
    }
  }
}

}  // namespace concheck::detector
