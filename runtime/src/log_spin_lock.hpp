// concheck runtime: the internal lock of the report path (report sink,
// symbolizer cache).
//
// A test-and-test-and-set spin lock that yields the CPU with sched_yield(2)
// while waiting. It is never a pthread object, so taking it can neither
// recurse into concheck's interposed pthread functions nor appear in a report,
// and it is never visible to users. It guards report-time work only (rare,
// microseconds to milliseconds), where spinning costs nothing measurable.
// Not recursive: code holding it must not call back into user code (listeners
// are called after it is released).
#pragma once

#include <sched.h>

#include <atomic>

namespace concheck::detail {

class log_spin_lock {
 public:
  void lock() noexcept {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (spins++ > 64) ::sched_yield();
      }
    }
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  // In a forked child only: the thread that held the lock at fork() does not
  // exist there. Returns true if the lock was held (so the state it guards
  // may be half-updated and must be abandoned), and leaves it unlocked.
  bool reset_after_fork() noexcept { return locked_.exchange(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> locked_{false};
};

// RAII holder (std::lock_guard would do, but this keeps <mutex> out of the
// runtime's internals on purpose).
class log_spin_guard {
 public:
  explicit log_spin_guard(log_spin_lock& lock) noexcept : lock_(lock) { lock_.lock(); }
  ~log_spin_guard() { lock_.unlock(); }
  log_spin_guard(const log_spin_guard&) = delete;
  log_spin_guard& operator=(const log_spin_guard&) = delete;

 private:
  log_spin_lock& lock_;
};

}  // namespace concheck::detail
