// concheck detector: finding the cycles a new acquisition closes and judging
// them (gates, modes), within the per-call budget (see monitor_state.hpp).
#include <algorithm>

#include "monitor_state.hpp"

namespace concheck::detector {

void monitor::impl::steps_of_path(const std::vector<graph_node>& path, std::vector<cycle_step>& steps) {
  // lock -> context(newest = lock) -> ... descendants ... -> context -> lock: one
  // lock-order edge, witnessed by the last context before the next lock.
  lock_id from = path.front();
  graph_node from_entry = 0;
  graph_node last = 0;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const graph_node n = path[i];
    if (is_context(n)) {
      if (from_entry == 0) from_entry = n;
      last = n;
      continue;
    }
    steps.push_back(cycle_step{from, n, last, from_entry});
    from = n;
    from_entry = 0;
  }
}

bool monitor::impl::context_holds(graph_node context, lock_id target, graph_node* entry) {
  for (graph_node n = context; n != 0;) {
    if (budget > 0) --budget;
    const context_record& record = contexts.at(n);
    if (record.lock == target) {
      if (entry != nullptr) *entry = n;
      return true;
    }
    n = record.parent;
  }
  return false;
}

std::uint64_t monitor::impl::signature(const std::vector<cycle_step>& steps) const {
  std::vector<std::pair<lock_id, lock_id>> edges;
  edges.reserve(steps.size());
  for (const cycle_step& step : steps) edges.emplace_back(step.from, step.to);
  std::sort(edges.begin(), edges.end());
  std::uint64_t value = 0x51ed27;
  for (const auto& [from, to] : edges) value = mix64(value ^ mix64(from) ^ (to * 0x9e37));
  return value;
}

bool monitor::impl::reportable(const std::vector<cycle_step>& steps) {
  // Gate lock: one exclusive lock held at every occurrence of every edge
  // (other than the edge's own `from`). Start from the closing occurrence,
  // intersect with the witnesses (usually enough to empty the set), and only
  // if something is left, with every other occurrence.
  if (budget == 0) return true;  // out of budget: report without the refinement
  std::vector<lock_id> gates;
  for (graph_node n = steps.front().context; n != 0;) {
    if (budget > 0) --budget;
    const context_record& record = contexts.at(n);
    if (record.mode == lock_mode::exclusive && record.lock != steps.front().from)
      gates.push_back(record.lock);
    n = record.parent;
  }
  std::sort(gates.begin(), gates.end());
  std::vector<lock_id> kept;
  auto intersect = [&](graph_node context, lock_id from) {
    kept.clear();
    for (graph_node n = context; n != 0;) {
      if (budget > 0) --budget;
      const context_record& record = contexts.at(n);
      if (record.mode == lock_mode::exclusive && record.lock != from &&
          std::binary_search(gates.begin(), gates.end(), record.lock)) {
        kept.push_back(record.lock);
      }
      n = record.parent;
    }
    std::sort(kept.begin(), kept.end());
    gates.swap(kept);
  };
  for (std::size_t i = 1; i < steps.size() && !gates.empty(); ++i) intersect(steps[i].context, steps[i].from);
  for (const cycle_step& step : steps) {
    if (gates.empty()) break;
    auto under = acquired_under.find(step.to);
    if (under == acquired_under.end()) continue;
    for (graph_node context : under->second) {
      if (gates.empty() || budget == 0) break;
      if (context != step.context && context_holds(context, step.from, nullptr))
        intersect(context, step.from);
    }
  }
  if (budget == 0) return true;  // out of budget: report without the refinement
  if (!gates.empty()) return false;

  // Modes: at every lock of the cycle the request (incoming edge) and the
  // hold (outgoing edge) must conflict, i.e. not both shared at every
  // occurrence. The witnesses usually settle it.
  auto requested_exclusively = [&](const cycle_step& step) {
    if (acquisitions.at(acquisition_key{step.context, step.to}).exclusive_seen) return true;
    for (graph_node context : acquired_under.at(step.to)) {
      if (budget == 0) return true;
      if (acquisitions.at(acquisition_key{context, step.to}).exclusive_seen &&
          context_holds(context, step.from, nullptr)) {
        return true;
      }
    }
    return false;
  };
  auto held_exclusively = [&](const cycle_step& step) {
    if (contexts.at(step.from_entry).mode == lock_mode::exclusive) return true;
    for (graph_node context : acquired_under.at(step.to)) {
      if (budget == 0) return true;
      graph_node entry = 0;
      if (context_holds(context, step.from, &entry) && contexts.at(entry).mode == lock_mode::exclusive) {
        return true;
      }
    }
    return false;
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const cycle_step& incoming = steps[i];
    const cycle_step& outgoing = steps[(i + 1) % steps.size()];
    if (!requested_exclusively(incoming) && !held_exclusively(outgoing)) return false;
  }
  return true;
}

bool monitor::impl::report(const std::vector<cycle_step>& steps,
                           std::vector<std::vector<cycle_edge_view>>& out) {
  if (!reported.insert(signature(steps)).second) return false;
  std::vector<cycle_edge_view> views;
  views.reserve(steps.size());
  for (const cycle_step& step : steps) {
    // Describe each edge by its first occurrence (the earliest acquisition of
    // `to` holding `from`), as far as the budget allows; else the witness.
    graph_node context = step.context;
    graph_node entry = step.from_entry;
    if (auto under = acquired_under.find(step.to); under != acquired_under.end()) {
      for (graph_node candidate : under->second) {
        if (budget == 0 || candidate == step.context) break;
        graph_node found = 0;
        if (context_holds(candidate, step.from, &found)) {
          context = candidate;
          entry = found;
          break;
        }
      }
    }
    const acquisition& acq = acquisitions.at(acquisition_key{context, step.to});
    const context_record& held = contexts.at(entry);
    views.push_back(cycle_edge_view{step.from, step.to, acq.thread, held.stack, acq.stack, held.pc,
                                    held.mode == lock_mode::shared, acq.first_shared});
  }
  for (const cycle_step& step : steps) settled.insert(edge_key(step.from, step.to));
  out.push_back(std::move(views));
  return true;
}

void monitor::impl::evaluate(const acquisition_key& key, std::vector<std::vector<cycle_edge_view>>& out) {
  // The locks of the context, oldest first (the order the edges from them
  // were considered in before contexts existed).
  // Settled edges (see monitor_state.hpp) close no cycle worth a search.
  std::vector<std::pair<lock_id, graph_node>> held;
  for (graph_node n = key.context; n != 0; n = contexts.at(n).parent) {
    if (!is_settled(contexts.at(n).lock, key.lock)) held.emplace_back(contexts.at(n).lock, n);
  }
  if (held.empty()) return;
  std::reverse(held.begin(), held.end());
  std::vector<graph_node> targets;
  targets.reserve(held.size());
  for (const auto& entry : held) targets.push_back(entry.first);
  // O(graph) at worst, less when every target is reached early; the search
  // itself is not refinement.
  graph.search_from(key.lock, kContextTag, targets);
  std::vector<cycle_step> steps;
  for (const auto& [from, entry] : held) {
    if (is_settled(from, key.lock)) continue;                     // settled by a cycle reported in this call
    std::vector<graph_node> path = graph.path_from_search(from);  // key.lock ->* from
    if (path.empty()) continue;
    steps.clear();
    steps.push_back(cycle_step{from, key.lock, key.context, entry});
    steps_of_path(path, steps);
    if (reported.count(signature(steps)) == 0 && reportable(steps) && report(steps, out)) continue;
    if (budget > 0) evaluate_alternatives(steps.front(), out);
  }
}

void monitor::impl::evaluate_alternatives(const cycle_step& closing,
                                          std::vector<std::vector<cycle_edge_view>>& out) {
  // Depth-first search of the simple paths closing.to ->* closing.from over
  // every recorded edge; each closes another cycle through `closing`, judged
  // like the shortest. Exponential in general, so bounded: kMaxSteps edges and
  // kMaxCycles cycles per call, and the call's budget; stops at the first
  // cycle reported. Beyond the bound a reportable longer cycle can be missed.
  constexpr std::size_t kMaxSteps = 4096;
  constexpr std::size_t kMaxCycles = 64;
  struct search_frame {
    graph_node at;
    std::vector<graph_node> next;
    std::size_t index;
  };
  std::vector<search_frame> stack;
  stack.push_back(search_frame{closing.to, {}, 0});
  graph.all_successors(closing.to, stack.back().next);
  std::vector<graph_node> path{closing.to};
  std::unordered_set<graph_node> on_path{closing.to};
  std::vector<cycle_step> steps;
  std::size_t visits = 0;
  std::size_t cycles = 0;
  while (!stack.empty() && visits < kMaxSteps && cycles < kMaxCycles && budget > 0) {
    search_frame& top = stack.back();
    if (top.index >= top.next.size()) {
      on_path.erase(top.at);
      path.pop_back();
      stack.pop_back();
      continue;
    }
    const graph_node to = top.next[top.index++];
    ++visits;
    --budget;
    if (to == closing.from) {
      path.push_back(to);
      ++cycles;
      steps.clear();
      steps.push_back(closing);
      steps_of_path(path, steps);
      path.pop_back();
      if (reported.count(signature(steps)) == 0 && reportable(steps) && report(steps, out)) return;
      continue;
    }
    if (!on_path.insert(to).second) continue;
    path.push_back(to);
    stack.push_back(search_frame{to, {}, 0});
    graph.all_successors(to, stack.back().next);
  }
}

}  // namespace concheck::detector
