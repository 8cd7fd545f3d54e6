// concheck semaphores: instrumented replacements for std::counting_semaphore
// and std::binary_semaphore.
//
// Same members as the standard ones (release, acquire, try_acquire,
// try_acquire_for, try_acquire_until, max), plus an optional name and the
// creation site. Where the standard semaphores wait on a futex that nothing
// can observe, these are a counter under a concheck::mutex with a
// concheck::condition_variable (both named after the semaphore), so a thread
// blocked in acquire() is visible: when every thread is blocked and none can
// release, concheck reports a `deadlock` instead of the program hanging.
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <mutex>
#include <source_location>

#include "concheck/condition_variable.hpp"
#include "concheck/internal/primitive_support.hpp"
#include "concheck/mutex.hpp"

namespace concheck {

template <std::ptrdiff_t LeastMaxValue = std::numeric_limits<std::ptrdiff_t>::max()>
class counting_semaphore {
  static_assert(LeastMaxValue >= 0, "a semaphore's maximum cannot be negative");

 public:
  static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }

  // A semaphore whose counter starts at `desired`.
  // Misuse: `desired` outside [0, max()] throws std::system_error(invalid_argument).
  explicit counting_semaphore(std::ptrdiff_t desired, object_name name = {},
                              std::source_location created = std::source_location::current())
      : count_(desired), mutex_(name, created), available_(name, created) {
    if (desired < 0 || desired > max()) {
      detail::throw_system_error(EINVAL, "concheck::counting_semaphore: initial count outside [0, max()]");
    }
  }
  counting_semaphore(const counting_semaphore&) = delete;
  counting_semaphore& operator=(const counting_semaphore&) = delete;

  // Adds `update` to the counter and wakes as many waiters.
  // Misuse: a negative update, or one that would take the counter past max(),
  // throws std::system_error(invalid_argument) and changes nothing.
  void release(std::ptrdiff_t update = 1) {
    std::lock_guard<mutex> guard(mutex_);
    if (update < 0 || update > max() - count_) {
      detail::throw_system_error(EINVAL, "concheck::counting_semaphore::release: counter would exceed max()");
    }
    count_ += update;
    // Notified under the mutex: a waiter that wakes may destroy the semaphore
    // as soon as it returns (a one-shot handoff), so nothing here may touch it
    // after the mutex is released.
    if (update == 1) {
      available_.notify_one();
    } else if (update > 1) {
      available_.notify_all();
    }
  }

  // Blocks until the counter is positive, then decrements it. A wait that can
  // never end (no thread left to release) is reported as `deadlock`.
  void acquire() {
    std::unique_lock<mutex> lock(mutex_);
    available_.wait(lock, [this] { return count_ > 0; });
    --count_;
  }
  // Decrements the counter if positive; never blocks.
  bool try_acquire() noexcept {
    std::lock_guard<mutex> guard(mutex_);
    if (count_ == 0) return false;
    --count_;
    return true;
  }
  // As acquire(), giving up after `timeout` / at `deadline`: true if acquired.
  template <class Rep, class Period>
  bool try_acquire_for(const std::chrono::duration<Rep, Period>& timeout) {
    return try_acquire_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  bool try_acquire_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    std::unique_lock<mutex> lock(mutex_);
    if (!available_.wait_until(lock, deadline, [this] { return count_ > 0; })) return false;
    --count_;
    return true;
  }

  // Renames the semaphore (its mutex and condition variable) in later reports.
  void set_name(object_name name) {
    mutex_.set_name(name);
    available_.set_name(name);
  }

 private:
  std::ptrdiff_t count_;
  mutex mutex_;
  condition_variable available_;
};

using binary_semaphore = counting_semaphore<1>;

}  // namespace concheck
