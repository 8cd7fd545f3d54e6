// concheck detector: the monitor engine (see monitor.hpp for the rules).
#include "concheck/detector/monitor.hpp"

#include <algorithm>

#include "monitor_state.hpp"

namespace concheck::detector {

monitor::monitor() : impl_(std::make_unique<impl>()) {}
monitor::~monitor() = default;

before_lock_result monitor::before_lock(monitor_thread& thread, const lock_event& event,
                                        stack_capture_fn capture, void* context) {
  before_lock_result result;
  const std::size_t count = thread.held_count();
  if (count == 0) return result;
  const bool blocking = event.kind == acquire_kind::blocking;
  const bool small = count <= monitor_thread::kInline;
  monitor_thread::edge_cache& cache = thread.cache_;

  // Holding many locks, the per-edge cache (O(held) probes) does not pay:
  // the same held sequence acquiring the same lock again is one lookup of its
  // context instead (which also proves the lock is not held), so repeating a
  // deep nesting costs O(1) per acquisition, not O(held).
  if (!small && blocking) {
    detail::internal_guard guard(impl_->lock);
    const graph_node held_context = impl_->context_of(thread, count);
    auto it = impl_->acquisitions.find(acquisition_key{held_context, event.lock});
    if (it != impl_->acquisitions.end() && (event.mode == lock_mode::shared || it->second.exclusive_seen)) {
      return result;
    }
  }

  // One pass: a re-acquisition? and the hash-sum of the exclusive locks held
  // (the gate candidates, for the edge cache).
  std::size_t existing = kNotFound;
  std::uint64_t gate_sum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& slot = thread.slot_at(i);
    const lock_id held = slot.lock.load(std::memory_order_relaxed);
    if (held == event.lock) {
      existing = i;
      break;
    }
    if (small &&
        slot.mode.load(std::memory_order_relaxed) == static_cast<std::uint8_t>(lock_mode::exclusive)) {
      gate_sum += mix64(held);
    }
  }
  if (existing != kNotFound) {
    result.already_held = true;
    result.held = thread.held(existing);
    if (!blocking) return result;
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
  if (!blocking) return result;

  // Fast path: every (held, wanted, context) already known to this thread.
  // The same context monitor_thread::fast_acquire_ok() probes.
  auto context_of = [&](lock_mode mode, std::uint64_t hash) {
    return monitor_thread::edge_context(gate_sum, mode, hash, event.mode);
  };
  if (small) {
    bool all_known = cache.current != nullptr;
    std::size_t misses = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const auto& slot = thread.slot_at(i);
      const lock_id held = slot.lock.load(std::memory_order_relaxed);
      const auto mode = static_cast<lock_mode>(slot.mode.load(std::memory_order_relaxed));
      if (!cache.contains(held, event.lock, context_of(mode, mix64(held)))) {
        all_known = false;
        ++misses;
      }
    }
    if (all_known) return result;
    for (std::size_t i = 0; i < misses; ++i) cache.note_miss();
  }

  // Slow path: the acquisition (held context, lock) is recorded once. A known
  // one is updated at once; a full stack (microseconds) is captured, outside
  // the monitor's lock, only for a new one.
  auto record = [&](bool may_insert) {
    detail::internal_guard guard(impl_->lock);
    impl_->budget = kRefineBudget;
    const acquisition_key key{impl_->context_of(thread, count), event.lock};
    if (!may_insert && impl_->acquisitions.find(key) == impl_->acquisitions.end()) return true;
    impl_->record(key, event, thread.id(), result.stack, result.inversions);
    return false;
  };
  if (record(false)) {
    result.stack = capture != nullptr ? capture(context) : 0;
    record(true);
  }
  if (small) {
    for (std::size_t i = 0; i < count; ++i) {
      const held_lock h = thread.held(i);
      cache.insert(h.lock, event.lock, context_of(h.mode, mix64(h.lock)));
    }
  }
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
  impl_->forget_lock(lock);
  // A refused acquisition whose cycle ran through this lock can now join the order.
  if (!impl_->refused.empty()) impl_->retry_refused();
}

// The bindings have their own striped locks (cv_bindings.hpp): a wait, which
// runs with the user's mutex held, never waits for the monitor's lock.
cv_check monitor::cv_wait_begin(monitor_thread& thread, std::uint64_t cv, lock_id mutex) {
  cv_check check;
  if (thread.index_of(mutex) == kNotFound) check.misuse = cv_misuse::mutex_not_held;
  const lock_id other = impl_->cv_bindings.begin(cv, mutex);
  if (other != 0) {
    if (check.misuse == cv_misuse::none) check.misuse = cv_misuse::two_mutexes;
    check.other_mutex = other;
  }
  return check;
}

void monitor::cv_wait_end(std::uint64_t cv) noexcept {
  impl_->cv_bindings.end(cv);
}

void monitor::on_cv_destroyed(std::uint64_t cv) noexcept {
  impl_->cv_bindings.forget(cv);
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
void monitor::after_fork_child() noexcept {
  impl_->cv_bindings.after_fork_child();
}

monitor_stats monitor::stats() {
  detail::internal_guard guard(impl_->lock);
  monitor_stats out;
  out.graph_nodes = impl_->graph.node_count();
  out.graph_edges = impl_->acquisitions.size() - impl_->refused.size();
  out.edge_payloads = impl_->acquisitions.size();
  out.refused_edges = impl_->refused.size();
  out.contexts = impl_->contexts.size();
  out.cv_bindings = impl_->cv_bindings.size();
  out.reported_cycles = impl_->reported.size();
  out.graph_search_work = impl_->graph.search_work();
  return out;
}

}  // namespace concheck::detector
