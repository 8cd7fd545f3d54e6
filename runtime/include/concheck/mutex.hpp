// concheck mutexes: drop-in, instrumented replacements for std::mutex,
// std::recursive_mutex, std::timed_mutex and std::recursive_timed_mutex.
//
// Each keeps the standard member functions (lock, try_lock, unlock, and for
// the timed ones try_lock_for/try_lock_until), so it works with
// std::lock_guard, std::unique_lock, std::scoped_lock and std::lock. What it
// adds: an optional name and the creation site (std::source_location), shown
// in every report that mentions the lock, set_name() to rename it later, and a
// destructor that tells concheck the lock's life ended (a mutex destroyed
// while held is reported as `destroy-locked`; a new mutex at the same address
// is a new lock).
//
// Each wraps a pthread_mutex_t of the kind libstdc++ uses for its counterpart
// (default or recursive) and calls the pthread functions, so concheck's
// interposition records the events, and judges misuse, exactly as for
// unmodified std:: code: a relock of a non-recursive mutex is a
// `self-deadlock` that concheck reports and ends (an error-checking mutex would
// instead fail the call quietly).
//
// Unlike std::mutex, the constructors are not constexpr: a namespace-scope
// concheck::mutex is dynamically initialized (mind static initialization
// order when another global's constructor locks it).
#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <source_location>

#include "concheck/internal/hooks.hpp"
#include "concheck/internal/primitive_support.hpp"

namespace concheck {
namespace detail {

// The pthread mutex under every concheck mutex type. Not for direct use.
class pthread_mutex_holder {
 public:
  pthread_mutex_holder(const pthread_mutex_holder&) = delete;
  pthread_mutex_holder& operator=(const pthread_mutex_holder&) = delete;

  // Blocks until the calling thread holds the mutex.
  // Misuse: locking a non-recursive mutex the thread already holds is reported
  // as `self-deadlock` and ends the process (exitcode) instead of hanging. A
  // lock cycle with other threads that really blocks is reported as
  // `deadlock` and ends the process the same way. Throws std::system_error if
  // pthreads reports an error (e.g. a recursive mutex's count overflowing).
  CONCHECK_INLINE_INTO_CALLER void lock() {
    const int error = pthread_mutex_lock(&native_);
    if (error != 0) throw_system_error(error, "concheck mutex lock");
    note_acquirer(__builtin_return_address(0));
  }

  // Takes the mutex if it is free and returns true; never blocks, so it adds
  // no lock-order edge that could close a deadlock cycle. A non-recursive
  // mutex already held by the caller returns false.
  CONCHECK_INLINE_INTO_CALLER bool try_lock() noexcept {
    if (pthread_mutex_trylock(&native_) != 0) return false;
    note_acquirer(__builtin_return_address(0));
    return true;
  }

  // Releases the mutex. Requires: the calling thread holds it.
  // Misuse: reported as `unlock-not-owned`; the unlock then proceeds as it
  // would for std::mutex (pthreads does not check the owner), so the state of
  // the mutex afterwards is as undefined as the standard says.
  CONCHECK_INLINE_INTO_CALLER void unlock() noexcept { pthread_mutex_unlock(&native_); }

  // The underlying pthread mutex. Operations on it are still instrumented.
  pthread_mutex_t* native_handle() noexcept { return &native_; }

  // Gives the lock a new name in later reports (the creation site stays).
  void set_name(object_name name) noexcept { on_object_renamed(&native_, name.c_str()); }

  // For concheck's reports only: the return address of the function that
  // made the latest lock()/try_lock() of the holder whose pthread mutex is
  // `native`. lock() is forced inline, so the pthread call's own return
  // address is in its caller; when that caller is a library wrapper (an
  // out-of-line std::lock_guard constructor), this one is the user's line.
  static const void* last_acquirer(const pthread_mutex_t* native) noexcept {
    const auto* holder = reinterpret_cast<const pthread_mutex_holder*>(
        reinterpret_cast<const char*>(native) - offsetof(pthread_mutex_holder, native_));
    return holder->acquirer_.load(std::memory_order_relaxed);
  }

 protected:
  pthread_mutex_holder(int pthread_type, object_type type, const object_name& name,
                       std::source_location created);
  ~pthread_mutex_holder();

  // Timed acquisition against an absolute deadline; true when acquired.
  // A timed lock that gives up adds no lock-order edge.
  template <class Clock, class Duration>
  bool lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    const int error = until_deadline(deadline, [this](const native_deadline& when) {
      return pthread_mutex_clocklock(&native_, when.clock, &when.when);
    });
    if (error == 0) return true;
    if (error == ETIMEDOUT) return false;
    throw_system_error(error, "concheck timed mutex lock");
  }

 private:
  // Written by the owner right after it acquired (a plain store on x86).
  void note_acquirer(const void* address) noexcept { acquirer_.store(address, std::memory_order_relaxed); }

  pthread_mutex_t native_;
  std::atomic<const void*> acquirer_{nullptr};
};

}  // namespace detail

// Like std::mutex: exclusive, non-recursive.
class mutex : public detail::pthread_mutex_holder {
 public:
  using native_handle_type = pthread_mutex_t*;
  // Creates an unlocked mutex named `name` (optional) created at `created`.
  explicit mutex(object_name name = {}, std::source_location created = std::source_location::current())
      : pthread_mutex_holder(PTHREAD_MUTEX_DEFAULT, detail::object_type::mutex, name, created) {}
  // Requires: not held. Misuse: reported as `destroy-locked`.
  ~mutex() = default;
};

// Like std::recursive_mutex: the owner may lock it again; it is released when
// unlock() has been called as often as lock()/try_lock() succeeded.
class recursive_mutex : public detail::pthread_mutex_holder {
 public:
  using native_handle_type = pthread_mutex_t*;
  explicit recursive_mutex(object_name name = {},
                           std::source_location created = std::source_location::current())
      : pthread_mutex_holder(PTHREAD_MUTEX_RECURSIVE, detail::object_type::recursive_mutex, name, created) {}
  ~recursive_mutex() = default;
};

// Like std::timed_mutex: a mutex whose acquisition can give up after a time.
class timed_mutex : public detail::pthread_mutex_holder {
 public:
  using native_handle_type = pthread_mutex_t*;
  explicit timed_mutex(object_name name = {}, std::source_location created = std::source_location::current())
      : pthread_mutex_holder(PTHREAD_MUTEX_DEFAULT, detail::object_type::timed_mutex, name, created) {}
  ~timed_mutex() = default;

  // Blocks at most `timeout` (rounded up to the clock's tick); true when
  // acquired. Giving up adds no lock-order edge. Waiting for a mutex the
  // caller holds just times out, as with std::timed_mutex.
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
    return lock_until(detail::deadline_after(timeout));
  }
  // Blocks until `deadline` at most; true when acquired. Any clock works
  // (steady_clock and system_clock natively; others are re-checked).
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return lock_until(deadline);
  }
};

// Like std::recursive_timed_mutex.
class recursive_timed_mutex : public detail::pthread_mutex_holder {
 public:
  using native_handle_type = pthread_mutex_t*;
  explicit recursive_timed_mutex(object_name name = {},
                                 std::source_location created = std::source_location::current())
      : pthread_mutex_holder(PTHREAD_MUTEX_RECURSIVE, detail::object_type::recursive_timed_mutex, name,
                             created) {}
  ~recursive_timed_mutex() = default;

  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
    return lock_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return lock_until(deadline);
  }
};

}  // namespace concheck
