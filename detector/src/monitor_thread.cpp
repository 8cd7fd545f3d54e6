// concheck detector: the per-thread part of the monitor (held locks, edge cache).
#include <bit>
#include <cstring>

#include "concheck/detector/monitor.hpp"
#include "monitor_internal.hpp"

namespace concheck::detector {

monitor_thread::monitor_thread(thread_id id) noexcept : id_(id), inline_(new slot[kInline]) {}

monitor_thread::~monitor_thread() {
  for (auto& chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
}

void monitor_thread::reset(thread_id id) noexcept {
  begin_change();
  id_ = id;
  count_.store(0, std::memory_order_relaxed);
  if (cache_) cache_->clear();
  end_change();
}

held_lock monitor_thread::held(std::size_t index) const noexcept { return slot_at(index).load(); }

bool monitor_thread::find_held(lock_id lock, held_lock& out) const noexcept {
  const std::size_t index = index_of(lock);
  if (index == kNotFound) return false;
  out = slot_at(index).load();
  return true;
}

std::vector<held_lock> monitor_thread::held_locks() const {
  std::vector<held_lock> out;
  const std::size_t n = held_count();
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(slot_at(i).load());
  return out;
}

bool monitor_thread::snapshot_held(std::vector<held_lock>& out, std::uint64_t& sequence_out) const {
  const std::uint64_t before = seq_.load(std::memory_order_acquire);
  if (before & 1) return false;
  out.clear();
  const std::size_t n = count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    // A chunk the owner is publishing right now may still be null: the
    // sequence check below rejects such a read.
    if (i >= kInline) {
      const std::size_t j = i / kInline + 1;
      const std::size_t k = static_cast<std::size_t>(std::bit_width(j)) - 2;
      if (chunks_[k].load(std::memory_order_acquire) == nullptr) return false;
    }
    out.push_back(slot_at(i).load());
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  const std::uint64_t after = seq_.load(std::memory_order_relaxed);
  if (after != before) return false;
  sequence_out = before;
  return true;
}

}  // namespace concheck::detector
