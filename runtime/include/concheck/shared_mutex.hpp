// concheck reader/writer locks: drop-in, instrumented replacements for
// std::shared_mutex and std::shared_timed_mutex.
//
// Same member functions as the standard ones (lock/try_lock/unlock for the
// exclusive side, lock_shared/try_lock_shared/unlock_shared for readers, and
// the timed variants on shared_timed_mutex), so they work with std::lock_guard,
// std::unique_lock, std::scoped_lock and std::shared_lock. Each adds an
// optional name and its creation site for reports, set_name(), and tells
// concheck when its life ends (destroyed while held: `destroy-locked`).
//
// Each wraps a pthread_rwlock_t (glibc's default policy: readers may overtake
// a waiting writer, as with libstdc++'s std::shared_mutex) and calls the
// pthread functions, so concheck's interposition records the events. Shared
// acquisitions only conflict with exclusive ones: two readers taking two
// rwlocks in opposite orders is not reported.
#pragma once

#include <pthread.h>

#include <chrono>
#include <source_location>

#include "concheck/internal/hooks.hpp"
#include "concheck/internal/primitive_support.hpp"

namespace concheck {
namespace detail {

// The pthread rwlock under both concheck reader/writer lock types.
class pthread_rwlock_holder {
 public:
  pthread_rwlock_holder(const pthread_rwlock_holder&) = delete;
  pthread_rwlock_holder& operator=(const pthread_rwlock_holder&) = delete;

  // Blocks until the caller holds the lock exclusively.
  // Misuse: taking it again while holding it (in either mode) is reported as
  // `self-deadlock` and ends the process; if the runtime lets the call through,
  // throws std::system_error(resource_deadlock_would_occur).
  CONCHECK_INLINE_INTO_CALLER void lock() {
    const int error = pthread_rwlock_wrlock(&native_);
    if (error != 0) throw_system_error(error, "concheck shared_mutex lock");
  }
  // Takes the lock exclusively if free; never blocks (adds no blocking edge).
  CONCHECK_INLINE_INTO_CALLER bool try_lock() noexcept { return pthread_rwlock_trywrlock(&native_) == 0; }
  // Releases an exclusive hold. Requires: the caller holds it exclusively.
  // Misuse: reported as `unlock-not-owned`.
  CONCHECK_INLINE_INTO_CALLER void unlock() noexcept { pthread_rwlock_unlock(&native_); }

  // Blocks until the caller holds the lock in shared (reader) mode.
  // Misuse: throws std::system_error when the caller already holds it
  // exclusively or the reader count would overflow.
  CONCHECK_INLINE_INTO_CALLER void lock_shared() {
    const int error = pthread_rwlock_rdlock(&native_);
    if (error != 0) throw_system_error(error, "concheck shared_mutex lock_shared");
  }
  // Takes a shared hold if no writer holds the lock; never blocks.
  CONCHECK_INLINE_INTO_CALLER bool try_lock_shared() noexcept {
    return pthread_rwlock_tryrdlock(&native_) == 0;
  }
  // Releases a shared hold. Requires: the caller holds it shared.
  // Misuse: reported as `unlock-not-owned`.
  CONCHECK_INLINE_INTO_CALLER void unlock_shared() noexcept { pthread_rwlock_unlock(&native_); }

  pthread_rwlock_t* native_handle() noexcept { return &native_; }

  // Gives the lock a new name in later reports (the creation site stays).
  void set_name(object_name name) noexcept { on_object_renamed(&native_, name.c_str()); }

 protected:
  pthread_rwlock_holder(object_type type, const object_name& name, std::source_location created);
  ~pthread_rwlock_holder();

  template <class Clock, class Duration>
  bool write_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return finish_timed(until_deadline(deadline, [this](const native_deadline& when) {
      return pthread_rwlock_clockwrlock(&native_, when.clock, &when.when);
    }));
  }
  template <class Clock, class Duration>
  bool read_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return finish_timed(until_deadline(deadline, [this](const native_deadline& when) {
      return pthread_rwlock_clockrdlock(&native_, when.clock, &when.when);
    }));
  }

 private:
  static bool finish_timed(int error) {
    if (error == 0) return true;
    if (error == ETIMEDOUT) return false;
    throw_system_error(error, "concheck shared_timed_mutex timed lock");
  }

  pthread_rwlock_t native_;
};

}  // namespace detail

// Like std::shared_mutex.
class shared_mutex : public detail::pthread_rwlock_holder {
 public:
  using native_handle_type = pthread_rwlock_t*;
  explicit shared_mutex(object_name name = {}, std::source_location created = std::source_location::current())
      : pthread_rwlock_holder(detail::object_type::shared_mutex, name, created) {}
  // Requires: not held. Misuse: reported as `destroy-locked`.
  ~shared_mutex() = default;
};

// Like std::shared_timed_mutex: adds acquisitions that give up after a time.
// A timed acquisition that gives up adds no lock-order edge.
class shared_timed_mutex : public detail::pthread_rwlock_holder {
 public:
  using native_handle_type = pthread_rwlock_t*;
  explicit shared_timed_mutex(object_name name = {},
                              std::source_location created = std::source_location::current())
      : pthread_rwlock_holder(detail::object_type::shared_timed_mutex, name, created) {}
  ~shared_timed_mutex() = default;

  // Exclusive acquisition within `timeout` / before `deadline`; true when held.
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
    return write_lock_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return write_lock_until(deadline);
  }
  // Shared acquisition within `timeout` / before `deadline`; true when held.
  template <class Rep, class Period>
  bool try_lock_shared_for(const std::chrono::duration<Rep, Period>& timeout) {
    return read_lock_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  bool try_lock_shared_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return read_lock_until(deadline);
  }
};

}  // namespace concheck
