// concheck runtime: interposed pthread_cond_* functions (std::condition_variable
// and raw condition variables). Waits are registered (for dumps and the
// "everyone blocked" check) and checked for misuse; the wait itself is the
// real, uninterrupted one: slicing it would lose notifies sent between slices.
#include <pthread.h>

#include "interpose_common.hpp"

using namespace concheck::detail;
namespace det = concheck::detector;

namespace {

template <class Wait>
int instrumented_wait(pthread_cond_t* cv, pthread_mutex_t* m, bool timed, std::uintptr_t pc, Wait wait) {
  thread_record* self = current_thread();
  if (self == nullptr) return wait();
  inside_scope inside;
  const lock_handle mutex = mutex_record(m, pc);
  if (!mutex) return wait();
  const auto cv_key = reinterpret_cast<std::uint64_t>(cv);
  const det::cv_check check = the_monitor().cv_wait_begin(self->state, cv_key, mutex->id);
  if (check.misuse != det::cv_misuse::none) report_cv_misuse(self, cv, mutex, check, pc);
  det::held_lock entry = the_monitor().release_for_wait(self->state, mutex->id);
  begin_wait(self, det::wait_kind::condition, cv_key, false, timed, pc);
  if (!timed) ensure_watchdog();
  const int result = wait();
  end_wait(self);
  if (entry.lock == 0) {
    // Waited without holding the mutex (reported): it holds it now.
    entry = det::held_lock{mutex->id, pc, 0, det::lock_mode::exclusive, 1};
  }
  the_monitor().reacquire_after_wait(self->state, entry);
  the_monitor().cv_wait_end(cv_key);
  return result;
}

}  // namespace

extern "C" {

int pthread_cond_wait(pthread_cond_t* cv, pthread_mutex_t* m) {
  if (tls_inside != 0) return real.cond_wait(cv, m);
  return instrumented_wait(cv, m, false, caller_pc(__builtin_return_address(0)),
                           [cv, m] { return real.cond_wait(cv, m); });
}

int pthread_cond_timedwait(pthread_cond_t* cv, pthread_mutex_t* m, const struct timespec* abstime) {
  if (tls_inside != 0) return real.cond_timedwait(cv, m, abstime);
  return instrumented_wait(cv, m, true, caller_pc(__builtin_return_address(0)),
                           [=] { return real.cond_timedwait(cv, m, abstime); });
}

int pthread_cond_clockwait(pthread_cond_t* cv, pthread_mutex_t* m, clockid_t clock,
                           const struct timespec* abstime) {
  if (tls_inside != 0) return real.cond_clockwait(cv, m, clock, abstime);
  return instrumented_wait(cv, m, true, caller_pc(__builtin_return_address(0)),
                           [=] { return real.cond_clockwait(cv, m, clock, abstime); });
}

int pthread_cond_signal(pthread_cond_t* cv) {
  return real.cond_signal(cv);
}

int pthread_cond_broadcast(pthread_cond_t* cv) {
  return real.cond_broadcast(cv);
}

int pthread_cond_init(pthread_cond_t* cv, const pthread_condattr_t* attributes) {
  return real.cond_init(cv, attributes);
}

int pthread_cond_destroy(pthread_cond_t* cv) {
  if (tls_inside == 0) {
    inside_scope inside;
    the_monitor().on_cv_destroyed(reinterpret_cast<std::uint64_t>(cv));
  }
  return real.cond_destroy(cv);
}

}  // extern "C"
