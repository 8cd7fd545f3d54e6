// concheck runtime, race engine: the engine's own spin lock. INTERNAL.
//
// Test-and-test-and-set with a pause; after 128 failed rounds the waiter
// gives up its time slice with a raw sched_yield system call (the runtime
// interposes sched_yield for explore mode; the raw call bypasses it). Never a
// pthread function, never the allocator: concheck's interposition cannot see
// it, so the engine's locking never shows up in a report or recurses. Cost:
// one atomic exchange to take, one release store to give back.
//
// Why not detail::internal_lock: its lock-order check would need ranks for
// the engine's 1024 shadow stripes and shards, and its futex sleep buys
// nothing for sections that last a few dozen instructions.
// The engine's lock order (a lock may be taken while holding only locks
// listed before it): shadow stripe -> read-set pool -> lockset table; sync
// clock shard, slot table and final-clock table are leaves. The read-set
// sweep takes stripes while holding the pool lock only with try_lock, never
// waiting (read_sets.hpp).
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace concheck::race {

class spin_lock {
 public:
  constexpr spin_lock() noexcept = default;
  spin_lock(const spin_lock&) = delete;
  spin_lock& operator=(const spin_lock&) = delete;

  void lock() noexcept {
    for (int round = 0;; ++round) {
      if (!held_.exchange(true, std::memory_order_acquire)) return;
      while (held_.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (++round > 128) {
          syscall(SYS_sched_yield);
          round = 0;
        }
      }
    }
  }
  // Takes the lock if it is free, without waiting.
  bool try_lock() noexcept {
    return !held_.load(std::memory_order_relaxed) && !held_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept {
    held_.store(false, std::memory_order_release);
  }
  // In a forked child: the holder may not exist there.
  void reset_after_fork() noexcept {
    held_.store(false, std::memory_order_relaxed);
  }

 private:
  std::atomic<bool> held_{false};
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

}  // namespace concheck::race
