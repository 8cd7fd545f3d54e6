// concheck condition variables: drop-in, instrumented replacements for
// std::condition_variable and std::condition_variable_any.
//
// concheck::condition_variable works with std::unique_lock<concheck::mutex>
// (as std::condition_variable works with std::unique_lock<std::mutex>);
// concheck::condition_variable_any works with any lockable (concheck or std
// mutexes, std::shared_lock, ...), and has the C++20 std::stop_token waits.
// Both keep the standard members (wait, wait_for, wait_until with and without
// a predicate, notify_one, notify_all) and add an optional name and creation
// site for reports, and set_name().
//
// condition_variable wraps a pthread_cond_t and waits with pthread_cond_wait /
// pthread_cond_clockwait (steady_clock deadlines use CLOCK_MONOTONIC and
// system_clock ones CLOCK_REALTIME natively; other clocks are converted and
// re-checked), so concheck's interposition sees every wait and notify: a wait
// that can never be woken (all threads blocked, a lost wakeup) is reported as
// `deadlock` after the grace period instead of hanging.
#pragma once

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <source_location>
#include <stop_token>
#include <utility>

#include "concheck/internal/hooks.hpp"
#include "concheck/internal/primitive_support.hpp"
#include "concheck/mutex.hpp"

namespace concheck {

using std::cv_status;

// Like std::condition_variable, for std::unique_lock<concheck::mutex>.
class condition_variable {
 public:
  using native_handle_type = pthread_cond_t*;

  explicit condition_variable(object_name name = {},
                              std::source_location created = std::source_location::current())
      : condition_variable(detail::object_type::condition_variable, name, created) {}
  // For composite primitives that report themselves as another type.
  condition_variable(detail::object_type type, const object_name& name, std::source_location created);
  // Requires: no thread waits on it (a thread woken by notify_all may still be
  // returning from its wait, as the standard allows).
  ~condition_variable();
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  // Wakes one waiting thread, if any. Holding the mutex is not required.
  void notify_one() noexcept { pthread_cond_signal(&native_); }
  // Wakes every waiting thread.
  void notify_all() noexcept { pthread_cond_broadcast(&native_); }

  // Atomically releases the mutex of `lock` and blocks until notified (or a
  // spurious wakeup), then re-acquires it before returning.
  // Requires: `lock` owns its mutex, and every waiter uses the same mutex.
  // Misuse: a `lock` that does not own a mutex is refused before any wait:
  // std::system_error(operation_not_permitted) naming `cv-wait-unlocked`
  // (pthreads would release a mutex someone else holds, then take it). Waiting
  // with two different mutexes is reported as `cv-wait-unlocked`.
  void wait(std::unique_lock<mutex>& lock) {
    check_owns(lock);
    const int error = pthread_cond_wait(&native_, lock.mutex()->native_handle());
    if (error != 0) throw_wait_error(error);
  }
  // Waits until `ready()` is true; returns with the mutex held.
  template <class Predicate>
  void wait(std::unique_lock<mutex>& lock, Predicate ready) {
    while (!ready()) wait(lock);
  }

  // Waits until notified or `deadline` has passed; cv_status::timeout when the
  // deadline passed. A wait with a timeout is never reported as a deadlock.
  template <class Clock, class Duration>
  cv_status wait_until(std::unique_lock<mutex>& lock,
                       const std::chrono::time_point<Clock, Duration>& deadline) {
    check_owns(lock);
    const detail::native_deadline when = detail::to_native_deadline(deadline);
    const int error = pthread_cond_clockwait(&native_, lock.mutex()->native_handle(), when.clock, &when.when);
    if (error != 0 && error != ETIMEDOUT) throw_wait_error(error);
    // Other clocks were converted to steady_clock: Clock itself decides.
    return Clock::now() < deadline ? cv_status::no_timeout : cv_status::timeout;
  }
  // Waits until `ready()` or the deadline; returns ready()'s final value.
  template <class Clock, class Duration, class Predicate>
  bool wait_until(std::unique_lock<mutex>& lock, const std::chrono::time_point<Clock, Duration>& deadline,
                  Predicate ready) {
    while (!ready()) {
      if (wait_until(lock, deadline) == cv_status::timeout) return ready();
    }
    return true;
  }
  // As wait_until, measured on steady_clock from now.
  template <class Rep, class Period>
  cv_status wait_for(std::unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& timeout) {
    return wait_until(lock, detail::deadline_after(timeout));
  }
  template <class Rep, class Period, class Predicate>
  bool wait_for(std::unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& timeout,
                Predicate ready) {
    return wait_until(lock, detail::deadline_after(timeout), std::move(ready));
  }

  native_handle_type native_handle() noexcept { return &native_; }
  // Gives the condition variable a new name in later reports.
  void set_name(object_name name) noexcept { detail::on_object_renamed(&native_, name.c_str()); }

 private:
  static void check_owns(const std::unique_lock<mutex>& lock);
  [[noreturn]] static void throw_wait_error(int error);

  pthread_cond_t native_;
};

// Like std::condition_variable_any: waits with any BasicLockable `Lock`.
// Built like libstdc++'s: an internal concheck::mutex (named "<name>.mutex")
// and a concheck::condition_variable; the user's lock is released only once
// the internal mutex is held, so no notify is lost. The internal mutex is
// never held while another lock is taken, so it cannot close a lock cycle.
class condition_variable_any {
 public:
  explicit condition_variable_any(object_name name = {},
                                  std::source_location created = std::source_location::current())
      : internal_(std::make_shared<mutex>(name.with_suffix(".mutex"), created)),
        cv_(detail::object_type::condition_variable_any, name, created) {}
  condition_variable_any(const condition_variable_any&) = delete;
  condition_variable_any& operator=(const condition_variable_any&) = delete;

  void notify_one() noexcept {
    std::lock_guard<mutex> guard(*internal_);
    cv_.notify_one();
  }
  void notify_all() noexcept {
    std::lock_guard<mutex> guard(*internal_);
    cv_.notify_all();
  }

  // Releases `lock`, blocks until notified (or spuriously woken), re-locks it.
  // Requires: the caller holds `lock`. Misuse (not held): `lock.unlock()`'s
  // own misuse report (`unlock-not-owned` for a concheck or std mutex).
  template <class Lock>
  void wait(Lock& lock) {
    // The shared_ptr keeps the internal mutex alive if the condition variable
    // is destroyed right after a notify_all while this thread still returns.
    std::shared_ptr<mutex> keep = internal_;
    std::unique_lock<mutex> internal(*keep);
    relock_on_exit<Lock> user(lock);  // releases `lock` now, re-locks it last
    std::unique_lock<mutex> released_first(std::move(internal));
    cv_.wait(released_first);
  }
  template <class Lock, class Predicate>
  void wait(Lock& lock, Predicate ready) {
    while (!ready()) wait(lock);
  }

  template <class Lock, class Clock, class Duration>
  cv_status wait_until(Lock& lock, const std::chrono::time_point<Clock, Duration>& deadline) {
    std::shared_ptr<mutex> keep = internal_;
    std::unique_lock<mutex> internal(*keep);
    relock_on_exit<Lock> user(lock);
    std::unique_lock<mutex> released_first(std::move(internal));
    return cv_.wait_until(released_first, deadline);
  }
  template <class Lock, class Clock, class Duration, class Predicate>
  bool wait_until(Lock& lock, const std::chrono::time_point<Clock, Duration>& deadline, Predicate ready) {
    while (!ready()) {
      if (wait_until(lock, deadline) == cv_status::timeout) return ready();
    }
    return true;
  }
  template <class Lock, class Rep, class Period>
  cv_status wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& timeout) {
    return wait_until(lock, detail::deadline_after(timeout));
  }
  template <class Lock, class Rep, class Period, class Predicate>
  bool wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& timeout, Predicate ready) {
    return wait_until(lock, detail::deadline_after(timeout), std::move(ready));
  }

  // Interruptible waits (C++20): also return when a stop is requested on
  // `stop`. Return ready()'s final value.
  template <class Lock, class Predicate>
  bool wait(Lock& lock, std::stop_token stop, Predicate ready) {
    return wait_until_stopped(lock, stop, std::move(ready), [this](std::unique_lock<mutex>& internal) {
      cv_.wait(internal);
      return true;
    });
  }
  template <class Lock, class Clock, class Duration, class Predicate>
  bool wait_until(Lock& lock, std::stop_token stop, const std::chrono::time_point<Clock, Duration>& deadline,
                  Predicate ready) {
    return wait_until_stopped(lock, stop, std::move(ready),
                              [this, &deadline](std::unique_lock<mutex>& internal) {
                                return cv_.wait_until(internal, deadline) == cv_status::no_timeout;
                              });
  }
  template <class Lock, class Rep, class Period, class Predicate>
  bool wait_for(Lock& lock, std::stop_token stop, const std::chrono::duration<Rep, Period>& timeout,
                Predicate ready) {
    return wait_until(lock, std::move(stop), detail::deadline_after(timeout), std::move(ready));
  }

  void set_name(object_name name) noexcept {
    cv_.set_name(name);
    internal_->set_name(name.with_suffix(".mutex"));
  }

 private:
  // Unlocks `lock` on construction and locks it again on destruction.
  template <class Lock>
  struct relock_on_exit {
    explicit relock_on_exit(Lock& held) : lock(held) { lock.unlock(); }
    ~relock_on_exit() noexcept(false) { lock.lock(); }
    relock_on_exit(const relock_on_exit&) = delete;
    relock_on_exit& operator=(const relock_on_exit&) = delete;
    Lock& lock;
  };

  // The loop of the stop_token waits. `block` waits once on the internal cv
  // and returns false when its deadline passed.
  template <class Lock, class Predicate, class Block>
  bool wait_until_stopped(Lock& lock, std::stop_token& stop, Predicate ready, Block block) {
    if (stop.stop_requested()) return ready();
    // notify_all takes the internal mutex, and the stop check below runs under
    // it: a stop requested after the check wakes this wait.
    std::stop_callback wake(stop, [this] { notify_all(); });
    while (!ready()) {
      bool in_time = true;
      {
        std::shared_ptr<mutex> keep = internal_;
        std::unique_lock<mutex> internal(*keep);
        if (stop.stop_requested()) return false;
        relock_on_exit<Lock> user(lock);
        std::unique_lock<mutex> released_first(std::move(internal));
        in_time = block(released_first);
      }
      if (stop.stop_requested() || !in_time) return ready();
    }
    return true;
  }

  std::shared_ptr<mutex> internal_;
  condition_variable cv_;
};

}  // namespace concheck
