// concheck runtime: the runtime's own lock. INTERNAL.
//
// A futex-based mutex (Drepper, "Futexes are tricky", mutex #2): 0 free,
// 1 locked, 2 locked with waiters. It never calls an interposed function, so
// it is safe inside our pthread wrappers, before main, after fork (the child
// resets it) and during static destruction. Guards only short slow paths
// (new locks, new threads, reports' data gathering); never held while calling
// user code or emit_finding.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace concheck::detail {

class internal_lock {
 public:
  void lock() noexcept {
    int expected = 0;
    if (state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) return;
    for (int spin = 0; spin < 100; ++spin) {
      expected = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(expected, 1, std::memory_order_acquire)) {
        return;
      }
      __builtin_ia32_pause();
    }
    while (state_.exchange(2, std::memory_order_acquire) != 0) {
      syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
    }
  }
  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) == 2) {
      syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }
  void reset_after_fork() noexcept { state_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<int> state_{0};
};

class internal_guard {
 public:
  explicit internal_guard(internal_lock& lock) noexcept : lock_(lock) { lock_.lock(); }
  ~internal_guard() { lock_.unlock(); }
  internal_guard(const internal_guard&) = delete;
  internal_guard& operator=(const internal_guard&) = delete;

 private:
  internal_lock& lock_;
};

}  // namespace concheck::detail
