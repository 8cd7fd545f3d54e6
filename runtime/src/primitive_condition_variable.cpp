// concheck::condition_variable: construction and destruction of the pthread
// condition variable, the hooks, and the errors its waits throw.
#include <pthread.h>

#include <cerrno>

#include "concheck/condition_variable.hpp"

namespace concheck {

condition_variable::condition_variable(detail::object_type type, const object_name& name,
                                       std::source_location created) {
  // Default attributes (CLOCK_REALTIME) as libstdc++'s: steady_clock waits go
  // through pthread_cond_clockwait with CLOCK_MONOTONIC, so a clock change
  // cannot stretch them.
  const int error = pthread_cond_init(&native_, nullptr);
  if (error != 0) detail::throw_system_error(error, "concheck condition_variable: pthread_cond_init");
  detail::on_object_created(&native_, type, name.c_str(), created);
}

condition_variable::~condition_variable() {
  detail::on_object_destroyed(&native_);
  pthread_cond_destroy(&native_);
}

void condition_variable::check_owns(const std::unique_lock<mutex>& lock) {
  // std leaves this undefined. pthreads would "unlock" a default mutex it does
  // not own (releasing another thread's hold), wait, then take the mutex on
  // wakeup: refuse up front instead.
  if (!lock.owns_lock()) {
    detail::throw_system_error(EPERM,
                               lock.mutex() == nullptr
                                   ? "concheck::condition_variable::wait: the unique_lock has no mutex "
                                     "(cv-wait-unlocked)"
                                   : "concheck::condition_variable::wait: the unique_lock does not own its "
                                     "mutex (cv-wait-unlocked)");
  }
}

void condition_variable::throw_wait_error(int error) {
  detail::throw_system_error(error, "concheck::condition_variable::wait");
}

}  // namespace concheck
