// concheck::event: a manual-reset event, like Python's threading.Event.
//
// A flag threads can wait for: set() raises it and wakes every waiter,
// clear() lowers it, wait() blocks while it is down. There is no standard
// counterpart (a std::latch cannot be reset; a condition variable needs the
// flag and mutex written by hand). Built on a concheck::mutex and
// concheck::condition_variable named after the event, so a wait for an event
// nobody will set is reported as a `deadlock` instead of hanging.
#pragma once

#include <chrono>
#include <mutex>
#include <source_location>

#include "concheck/condition_variable.hpp"
#include "concheck/internal/primitive_support.hpp"
#include "concheck/mutex.hpp"

namespace concheck {

class event {
 public:
  // An event, initially clear unless `initially_set`. (The flag comes second
  // so that event("name") cannot silently pick a bool from the name.)
  explicit event(object_name name = {}, std::source_location created = std::source_location::current())
      : mutex_(name, created), changed_(name, created) {}
  event(object_name name, bool initially_set, std::source_location created = std::source_location::current())
      : flag_(initially_set), mutex_(name, created), changed_(name, created) {}
  event(const event&) = delete;
  event& operator=(const event&) = delete;

  // Raises the flag and wakes every waiter. Setting a set event does nothing.
  void set() {
    std::lock_guard<mutex> guard(mutex_);
    flag_ = true;
    changed_.notify_all();
  }
  // Lowers the flag; later waits block until the next set().
  void clear() {
    std::lock_guard<mutex> guard(mutex_);
    flag_ = false;
  }
  // The flag now (it may change right after).
  bool is_set() const {
    std::lock_guard<mutex> guard(mutex_);
    return flag_;
  }
  // Blocks until the flag is up. Returns at once if it is.
  void wait() const {
    std::unique_lock<mutex> lock(mutex_);
    changed_.wait(lock, [this] { return flag_; });
  }
  // Blocks until the flag is up or `timeout` passed; returns the flag
  // (false: timed out). A wait with a timeout is never reported as deadlock.
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    return wait_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  bool wait_until(const std::chrono::time_point<Clock, Duration>& deadline) const {
    std::unique_lock<mutex> lock(mutex_);
    return changed_.wait_until(lock, deadline, [this] { return flag_; });
  }

  void set_name(object_name name) {
    mutex_.set_name(name);
    changed_.set_name(name);
  }

 private:
  bool flag_ = false;
  mutable mutex mutex_;
  mutable condition_variable changed_;
};

}  // namespace concheck
