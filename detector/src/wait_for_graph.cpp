// concheck detector: the wait-for graph (see wait_for_graph.hpp).
#include "concheck/detector/wait_for_graph.hpp"

#include <algorithm>

namespace concheck::detector {

std::string_view to_string(wait_kind kind) noexcept {
  switch (kind) {
    case wait_kind::none:
      return "running";
    case wait_kind::lock:
      return "lock";
    case wait_kind::join:
      return "join";
    case wait_kind::condition:
      return "condition variable";
    case wait_kind::semaphore:
      return "semaphore";
    case wait_kind::barrier:
      return "barrier";
    case wait_kind::futex:
      return "futex";
  }
  return "unknown";
}

void wait_for_graph::clear() {
  threads_.clear();
  index_.clear();
  holders_.clear();
}

void wait_for_graph::add_thread(const thread_wait& wait) {
  index_[wait.thread] = threads_.size();
  threads_.push_back(wait);
}

void wait_for_graph::add_hold(thread_id thread, lock_id lock, lock_mode mode) {
  holders_[lock].push_back(hold{thread, mode});
}

std::vector<thread_id> wait_for_graph::waits_for(thread_id thread) const {
  std::vector<thread_id> out;
  auto it = index_.find(thread);
  if (it == index_.end()) return out;
  const thread_wait& wait = threads_[it->second];
  if (wait.timed) return out;
  if (wait.kind == wait_kind::join) {
    // Joining itself fails at once (EDEADLK): no wait.
    if (wait.target != thread && index_.count(wait.target) != 0) out.push_back(wait.target);
  } else if (wait.kind == wait_kind::lock) {
    auto holders = holders_.find(wait.target);
    if (holders == holders_.end()) return out;
    for (const hold& h : holders->second) {
      if (h.thread == thread) continue;
      if (wait.shared && h.mode == lock_mode::shared) continue;  // readers do not block readers
      out.push_back(h.thread);
    }
  }
  return out;
}

std::vector<thread_id> wait_for_graph::find_cycle(thread_id start) const {
  // Iterative DFS from start; a path back to start is the cycle.
  struct dfs_frame {
    thread_id thread;
    std::vector<thread_id> next;
    std::size_t position;
  };
  std::vector<dfs_frame> stack;
  std::unordered_map<thread_id, bool> visited;
  stack.push_back(dfs_frame{start, waits_for(start), 0});
  visited[start] = true;
  while (!stack.empty()) {
    dfs_frame& top = stack.back();
    if (top.position == top.next.size()) {
      stack.pop_back();
      continue;
    }
    const thread_id next = top.next[top.position++];
    if (next == start) {
      std::vector<thread_id> cycle;
      for (const dfs_frame& f : stack) cycle.push_back(f.thread);
      return cycle;
    }
    if (visited[next]) continue;
    visited[next] = true;
    stack.push_back(dfs_frame{next, waits_for(next), 0});
  }
  return {};
}

std::vector<thread_id> wait_for_graph::find_any_cycle() const {
  for (const thread_wait& wait : threads_) {
    if (wait.kind == wait_kind::none || wait.timed) continue;
    auto cycle = find_cycle(wait.thread);
    if (!cycle.empty()) return cycle;
  }
  return {};
}

bool wait_for_graph::blocked_untimed(const thread_wait& wait) const {
  if (wait.kind == wait_kind::none || wait.timed) return false;
  // A join of a thread that is no longer live (it has ended or is ending)
  // returns as soon as that thread is gone: the joiner makes progress.
  if (wait.kind == wait_kind::join) return wait.target != wait.thread && index_.count(wait.target) != 0;
  return true;
}

bool wait_for_graph::all_blocked_untimed() const {
  if (threads_.empty()) return false;
  return std::all_of(threads_.begin(), threads_.end(),
                     [this](const thread_wait& wait) { return blocked_untimed(wait); });
}

}  // namespace concheck::detector
