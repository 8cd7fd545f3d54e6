// concheck::latch: an instrumented replacement for std::latch.
//
// Same members (count_down, try_wait, wait, arrive_and_wait, max), plus an
// optional name and the creation site. A counter under a concheck::mutex with
// a concheck::condition_variable (named after the latch) instead of the
// standard's unobservable futex: a thread that waits on a latch nobody will
// count down is part of a `deadlock` report rather than a silent hang.
// Latches are how concheck's own tests and samples force an interleaving.
#pragma once

#include <cstddef>
#include <limits>
#include <mutex>
#include <source_location>

#include "concheck/condition_variable.hpp"
#include "concheck/internal/primitive_support.hpp"
#include "concheck/mutex.hpp"

namespace concheck {

class latch {
 public:
  static constexpr std::ptrdiff_t max() noexcept { return std::numeric_limits<std::ptrdiff_t>::max(); }

  // A latch that opens after `expected` count-downs.
  // Misuse: a negative `expected` throws std::system_error(invalid_argument).
  explicit latch(std::ptrdiff_t expected, object_name name = {},
                 std::source_location created = std::source_location::current())
      : count_(expected), mutex_(name, created), opened_(name, created) {
    if (expected < 0) detail::throw_system_error(EINVAL, "concheck::latch: negative expected count");
  }
  latch(const latch&) = delete;
  latch& operator=(const latch&) = delete;

  // Decrements the counter by `update`; at zero, wakes every waiter. Never blocks.
  // Misuse: a negative update or one larger than the counter throws
  // std::system_error(invalid_argument) and changes nothing.
  void count_down(std::ptrdiff_t update = 1) {
    std::lock_guard<mutex> guard(mutex_);
    decrement(update);
  }
  // True once the counter reached zero; never blocks.
  bool try_wait() const noexcept {
    std::lock_guard<mutex> guard(mutex_);
    return count_ == 0;
  }
  // Blocks until the counter reaches zero.
  void wait() const {
    std::unique_lock<mutex> lock(mutex_);
    opened_.wait(lock, [this] { return count_ == 0; });
  }
  // count_down(update) then wait(), atomically.
  void arrive_and_wait(std::ptrdiff_t update = 1) {
    std::unique_lock<mutex> lock(mutex_);
    decrement(update);
    opened_.wait(lock, [this] { return count_ == 0; });
  }

  void set_name(object_name name) {
    mutex_.set_name(name);
    opened_.set_name(name);
  }

 private:
  // Requires mutex_ held.
  void decrement(std::ptrdiff_t update) {
    if (update < 0 || update > count_) {
      detail::throw_system_error(EINVAL,
                                 "concheck::latch::count_down: update larger than the remaining count");
    }
    count_ -= update;
    if (count_ == 0) opened_.notify_all();
  }

  std::ptrdiff_t count_;
  mutable mutex mutex_;
  mutable condition_variable opened_;
};

}  // namespace concheck
