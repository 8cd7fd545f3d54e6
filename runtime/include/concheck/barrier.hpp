// concheck::barrier: an instrumented replacement for std::barrier.
//
// Same members (arrive, wait, arrive_and_wait, arrive_and_drop, max) and the
// same optional completion function, run once per phase by the last thread to
// arrive, before any waiter is released. Adds an optional name and the
// creation site. Built on a concheck::mutex and concheck::condition_variable
// (named after the barrier), so threads blocked at a barrier that can never
// complete are reported as a `deadlock` instead of hanging.
//
// The completion function runs with the barrier's mutex released, so it may
// take the user's locks without creating a lock-order edge from the barrier's
// internals; a thread that arrives for the next phase while it runs waits
// until the phase has turned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "concheck/condition_variable.hpp"
#include "concheck/internal/primitive_support.hpp"
#include "concheck/mutex.hpp"

namespace concheck {
namespace detail {
struct no_completion {
  void operator()() const noexcept {}
};
}  // namespace detail

template <class CompletionFunction = detail::no_completion>
class barrier {
  static_assert(std::is_nothrow_invocable_v<CompletionFunction&>,
                "a barrier's completion function must be invocable without arguments and noexcept "
                "(as for std::barrier)");

 public:
  // Names the phase a thread arrived in; pass it to wait().
  class arrival_token {
   public:
    arrival_token(arrival_token&&) noexcept = default;
    arrival_token& operator=(arrival_token&&) noexcept = default;

   private:
    friend class barrier;
    explicit arrival_token(std::uint64_t phase) noexcept : phase_(phase) {}
    std::uint64_t phase_;
  };

  static constexpr std::ptrdiff_t max() noexcept { return std::numeric_limits<std::ptrdiff_t>::max(); }

  // A barrier for `expected` threads per phase, running `completion` when a
  // phase completes. Misuse: a negative `expected` throws
  // std::system_error(invalid_argument).
  explicit barrier(std::ptrdiff_t expected, CompletionFunction completion = CompletionFunction(),
                   object_name name = {}, std::source_location created = std::source_location::current())
      : expected_(expected),
        remaining_(expected),
        completion_(std::move(completion)),
        mutex_(name, created),
        phase_turned_(name, created) {
    if (expected < 0) detail::throw_system_error(EINVAL, "concheck::barrier: negative expected count");
  }
  // A named barrier without a completion function.
  barrier(std::ptrdiff_t expected, object_name name,
          std::source_location created = std::source_location::current()) requires
      std::is_same_v<CompletionFunction, detail::no_completion>
      : barrier(expected, CompletionFunction(), std::move(name), created) {}
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;

  // Counts `update` arrivals in the current phase without waiting; the last
  // arrival runs the completion function and releases the phase.
  // Misuse: update <= 0 or more than the arrivals still expected throws
  // std::system_error(invalid_argument) and changes nothing.
  [[nodiscard]] arrival_token arrive(std::ptrdiff_t update = 1) {
    std::unique_lock<mutex> lock(mutex_);
    phase_turned_.wait(lock, [this] { return !completing_; });
    return arrive_locked(lock, update);
  }

  // Blocks until the phase named by `token` has completed. A token from an
  // earlier phase returns at once.
  void wait(arrival_token&& token) const {
    std::unique_lock<mutex> lock(mutex_);
    phase_turned_.wait(lock, [this, &token] { return phase_ != token.phase_; });
  }

  // arrive() then wait().
  void arrive_and_wait() { wait(arrive()); }

  // Arrives and lowers the number of threads expected in later phases by one.
  void arrive_and_drop() {
    std::unique_lock<mutex> lock(mutex_);
    phase_turned_.wait(lock, [this] { return !completing_; });
    --expected_;
    static_cast<void>(arrive_locked(lock, 1));
  }

  void set_name(object_name name) {
    mutex_.set_name(name);
    phase_turned_.set_name(name);
  }

 private:
  arrival_token arrive_locked(std::unique_lock<mutex>& lock, std::ptrdiff_t update) {
    if (update <= 0 || update > remaining_) {
      detail::throw_system_error(EINVAL,
                                 "concheck::barrier::arrive: more arrivals than expected in this phase");
    }
    const std::uint64_t phase = phase_;
    remaining_ -= update;
    if (remaining_ == 0) {
      completing_ = true;
      lock.unlock();
      completion_();
      lock.lock();
      remaining_ = expected_;
      ++phase_;
      completing_ = false;
      phase_turned_.notify_all();
    }
    return arrival_token(phase);
  }

  std::ptrdiff_t expected_;   // arrivals per phase from the next phase on
  std::ptrdiff_t remaining_;  // arrivals still missing in this phase
  std::uint64_t phase_ = 0;
  bool completing_ = false;  // the completion function is running
  CompletionFunction completion_;
  mutable mutex mutex_;
  mutable condition_variable phase_turned_;
};

// `concheck::barrier sync(2, "sync")` names a barrier without a completion
// function (instead of deducing the name as the completion function).
barrier(std::ptrdiff_t, const char*)->barrier<>;
barrier(std::ptrdiff_t, const char*, std::source_location)->barrier<>;
barrier(std::ptrdiff_t, std::string_view)->barrier<>;
barrier(std::ptrdiff_t, std::string_view, std::source_location)->barrier<>;
barrier(std::ptrdiff_t, std::string)->barrier<>;
barrier(std::ptrdiff_t, std::string, std::source_location)->barrier<>;

}  // namespace concheck
