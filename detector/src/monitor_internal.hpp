// concheck detector: pieces the monitor's files share. Private to detector/src.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "concheck/detector/monitor.hpp"

namespace concheck::detector {

inline constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

// A finalizer-quality 64-bit mix (splitmix64), for hashing lock ids.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Fields are atomics so another thread can take a snapshot (seqlock, see
// sequence()); the owner writes them with relaxed stores, which cost what
// plain stores cost on the architectures we run on.
struct monitor_thread::slot {
  std::atomic<lock_id> lock{0};
  std::atomic<std::uintptr_t> pc{0};
  std::atomic<stack_ref> stack{0};
  std::atomic<std::uint32_t> depth{0};
  std::atomic<std::uint8_t> mode{0};
  std::atomic<std::uint64_t> hash{0};  // mix64(lock), for the edge cache's context

  held_lock load() const noexcept {
    held_lock out;
    out.lock = lock.load(std::memory_order_relaxed);
    out.pc = pc.load(std::memory_order_relaxed);
    out.stack = stack.load(std::memory_order_relaxed);
    out.depth = depth.load(std::memory_order_relaxed);
    out.mode = static_cast<lock_mode>(mode.load(std::memory_order_relaxed));
    return out;
  }
  void store(const held_lock& entry) noexcept {
    hash.store(mix64(entry.lock), std::memory_order_relaxed);
    lock.store(entry.lock, std::memory_order_relaxed);
    pc.store(entry.pc, std::memory_order_relaxed);
    stack.store(entry.stack, std::memory_order_relaxed);
    depth.store(entry.depth, std::memory_order_relaxed);
    mode.store(static_cast<std::uint8_t>(entry.mode), std::memory_order_relaxed);
  }
};

// Index i >= kInline lives in chunk k, which holds kInline * 2^(k+1) slots
// starting at kInline * (2^(k+1) - 1): chunks double, so 40 of them are more
// than any thread can hold, and no slot ever moves.
[[gnu::always_inline]] inline monitor_thread::slot& monitor_thread::slot_at(std::size_t index) const noexcept {
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


// The edges a thread has already reported to the shared graph, in the same
// context: direct-mapped, 256 entries keyed by (from, to, context) where the
// context hashes the other held exclusive locks (the gate candidates) and the
// modes. A hit means the shared payload cannot change, so the acquisition
// needs no shared state. A miss only costs a slow path. 6 KiB, allocated on
// the thread's first nested acquisition.
struct monitor_thread::edge_cache {
  struct entry {
    lock_id from = 0;
    lock_id to = 0;
    std::uint64_t context = 0;
  };
  static constexpr std::size_t kSize = 256;
  entry entries[kSize];

  static std::size_t index(lock_id from, lock_id to) noexcept {
    return static_cast<std::size_t>((from * 0x9e3779b97f4a7c15ULL ^ to * 0xc2b2ae3d27d4eb4fULL) >> 56) & (kSize - 1);
  }
  bool contains(lock_id from, lock_id to, std::uint64_t context) const noexcept {
    const entry& e = entries[index(from, to)];
    return e.from == from && e.to == to && e.context == context;
  }
  void insert(lock_id from, lock_id to, std::uint64_t context) noexcept {
    entries[index(from, to)] = entry{from, to, context};
  }
  void clear() noexcept {
    for (auto& e : entries) e = entry{};
  }
};

// The monitor's internal lock: a test-and-test-and-set spin lock that yields
// after a short spin. Guards only short slow paths; never a pthread object, so
// it is safe inside interposed pthread functions.
class spin_lock {
 public:
  void lock() noexcept {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (spins++ > 64) std::this_thread::yield();
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }
  // After fork in the child (only the forking thread survives).
  void reset() noexcept { locked_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> locked_{false};
};

class spin_guard {
 public:
  explicit spin_guard(spin_lock& lock) noexcept : lock_(lock) { lock_.lock(); }
  ~spin_guard() { lock_.unlock(); }
  spin_guard(const spin_guard&) = delete;
  spin_guard& operator=(const spin_guard&) = delete;

 private:
  spin_lock& lock_;
};

}  // namespace concheck::detector
