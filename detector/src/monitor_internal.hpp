// concheck detector: pieces the monitor's files share. Private to detector/src.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "concheck/detector/monitor.hpp"

namespace concheck::detector {

inline constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

// Index i >= kInline lives in chunk k, which holds kInline * 2^(k+1) slots
// starting at kInline * (2^(k+1) - 1): chunks double, so 40 of them are more
// than any thread can hold, and no slot ever moves.
[[gnu::always_inline]] inline monitor_thread::slot& monitor_thread::slot_at(
    std::size_t index) const noexcept {
  if (index < kInline) return inline_[index];
  const std::size_t j = index / kInline + 1;
  const std::size_t k = static_cast<std::size_t>(std::bit_width(j)) - 2;
  const std::size_t start = kInline * ((std::size_t{1} << (k + 1)) - 1);
  return chunks_[k].load(std::memory_order_acquire)[index - start];
}

[[gnu::always_inline]] inline void monitor_thread::push(const held_lock& entry) noexcept {
  const std::size_t n = count_.load(std::memory_order_relaxed);
  if (n >= kInline) {
    const std::size_t j = n / kInline + 1;
    const std::size_t k = static_cast<std::size_t>(std::bit_width(j)) - 2;
    if (chunks_[k].load(std::memory_order_relaxed) == nullptr) {
      chunks_[k].store(new slot[kInline << (k + 1)], std::memory_order_release);
    }
  }
  slot_at(n).store(entry);
  count_.store(n + 1, std::memory_order_relaxed);
}

[[gnu::always_inline]] inline void monitor_thread::remove_at(std::size_t index) noexcept {
  const std::size_t n = count_.load(std::memory_order_relaxed);
  // Keep acquisition order: the remaining entries shift down by one. Locks are
  // mostly released in LIFO order, so this usually moves nothing.
  for (std::size_t i = index + 1; i < n; ++i) slot_at(i - 1).store(slot_at(i).load());
  count_.store(n - 1, std::memory_order_relaxed);
}

[[gnu::always_inline]] inline std::size_t monitor_thread::index_of(lock_id lock) const noexcept {
  // Newest first: the lock released or re-acquired is usually the last taken.
  for (std::size_t i = count_.load(std::memory_order_relaxed); i-- > 0;) {
    if (slot_at(i).lock.load(std::memory_order_relaxed) == lock) return i;
  }
  return kNotFound;
}

}  // namespace concheck::detector
