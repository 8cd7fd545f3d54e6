// concheck runtime: interposed pthread_mutex_* functions.
#include <pthread.h>

#include "interpose_common.hpp"

using namespace concheck::detail;
namespace det = concheck::detector;

namespace {

det::relock_behavior relock_of(const pthread_mutex_t* m) noexcept {
  switch (m->__data.__kind & 3) {  // PTHREAD_MUTEX_KIND_MASK_NP
    case PTHREAD_MUTEX_RECURSIVE:
      return det::relock_behavior::recursive;
    case PTHREAD_MUTEX_ERRORCHECK:
      return det::relock_behavior::fails;
    default:
      return det::relock_behavior::blocks;
  }
}

det::lock_event event_of(lock_handle lock, const pthread_mutex_t* m, det::acquire_kind kind,
                         std::uintptr_t pc) noexcept {
  return det::lock_event{lock->id, det::lock_mode::exclusive, kind, relock_of(m), pc};
}

// The general paths (first sight of a lock, unadopted thread, nesting with a
// new edge, re-acquisition, contention, misuse): out of line, so the fast
// paths below stay small.
[[gnu::cold, gnu::noinline]] int mutex_lock_slow(pthread_mutex_t* m, std::uintptr_t pc) {
  if (tls_inside != 0) return real.mutex_lock(m);
  inside_scope inside;
  thread_record* self = current_thread();
  if (self == nullptr) return real.mutex_lock(m);
  const bool freed = freed_mutex(m);  // before the report reuses the memory
  const lock_handle lock = mutex_record(m, pc);
  if (!lock) return freed ? EINVAL : real.mutex_lock(m);
  return acquire_blocking(
      self, lock, event_of(lock, m, det::acquire_kind::blocking, pc), [m] { return real.mutex_trylock(m); },
      [m](const timespec& deadline) { return real.mutex_clocklock(m, CLOCK_MONOTONIC, &deadline); },
      [m] { return __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED); });
}

[[gnu::cold, gnu::noinline]] int mutex_trylock_slow(pthread_mutex_t* m, std::uintptr_t pc) {
  if (tls_inside != 0) return real.mutex_trylock(m);
  inside_scope inside;
  thread_record* self = current_thread();
  if (self == nullptr) return real.mutex_trylock(m);
  const bool freed = freed_mutex(m);  // before the report reuses the memory
  const lock_handle lock = mutex_record(m, pc);
  if (!lock) return freed ? EINVAL : real.mutex_trylock(m);
  return acquire_nonblocking(self, lock, event_of(lock, m, det::acquire_kind::try_lock, pc),
                             [m] { return real.mutex_trylock(m); });
}

[[gnu::cold, gnu::noinline]] int mutex_unlock_slow(pthread_mutex_t* m, std::uintptr_t pc) {
  if (tls_inside != 0) return real.mutex_unlock(m);
  inside_scope inside;
  thread_record* self = current_thread();
  if (self == nullptr) return real.mutex_unlock(m);
  const bool freed = freed_mutex(m);  // before the report reuses the memory
  const lock_handle lock = mutex_record(m, pc);
  if (!lock && freed) return EINVAL;
  if (lock) race_on_releasing(self, lock->id);
  if (lock && !the_monitor().before_unlock(self->state, lock->id)) {
    report_unlock_not_owned(self, lock, pc);
  }
  const int result = real.mutex_unlock(m);
  if (lock) race_on_released(lock->id);
  if (lock) explore_unlocked(lock->id);
  return result;
}

// A timed lock in explore mode: the scheduler decides whether it times out.
int explore_timed_lock(pthread_mutex_t* m, clockid_t clock, const timespec* abstime, std::uintptr_t pc) {
  if (tls_inside != 0) return real.mutex_clocklock(m, clock, abstime);
  thread_record* self = current_thread();
  if (self == nullptr) return real.mutex_clocklock(m, clock, abstime);
  inside_scope inside;
  const lock_handle lock = mutex_record(m, pc);
  if (!lock) return real.mutex_clocklock(m, clock, abstime);
  const std::int64_t deadline = explore::virtual_deadline(clock, *abstime);
  return acquire_nonblocking(self, lock, event_of(lock, m, det::acquire_kind::timed, pc), [&] {
    return explore_timed_acquire(lock->id, deadline, pc, [m] { return real.mutex_trylock(m); });
  });
}

// The id stamped in `m` for `m`, or 0 (unstamped: first sight, robust or
// shared, a copy of another mutex, an ended lock).
inline det::lock_id stamped_id(pthread_mutex_t* m) noexcept {
  return id_from_stamp(__atomic_load_n(mutex_stamp_slot(m), __ATOMIC_RELAXED), m);
}

}  // namespace

// Fast paths (docs/event-model.md "Hot path"): an adopted thread outside
// concheck's own code, a stamped lock, and an acquisition the thread's own
// state accepts (monitor_thread::fast_acquire_ok: not held, no new edge) cost
// two TLS loads, the stamp load, the real call and a push or pop on the
// thread's held array. Everything else goes to the general path, which
// re-derives everything (so a fast path that gives up after a busy trylock
// loses nothing).
extern "C" {

int pthread_mutex_lock(pthread_mutex_t* m) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  if (__builtin_expect(explore::tls_controlled != nullptr, 0)) {
    // Explore mode: a thread about to wait for a lock another thread holds
    // is not offered as a choice (explore_scheduler.hpp, lock_point).
    if (tls_inside == 0) {
      const det::lock_id id = stamped_id(m);
      explore::lock_point(id != 0 ? explore::lock_key(id) : nullptr);
    }
    return mutex_lock_slow(m, pc);
  }
  thread_record* const self = tls_thread;
  if (__builtin_expect(self != nullptr && tls_inside == 0, 1)) {
    const det::lock_id id = stamped_id(m);
    if (__builtin_expect(id != 0, 1) &&
        self->state.fast_acquire_ok(id, det::lock_mode::exclusive, det::acquire_kind::blocking)) {
      if (__builtin_expect(real.mutex_trylock(m) == 0, 1)) {
        record_acquired_fast(self, id, pc, det::lock_mode::exclusive);
        return 0;
      }
    }
  }
  return mutex_lock_slow(m, pc);
}

int pthread_mutex_trylock(pthread_mutex_t* m) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  if (explore_point(explore::point_kind::lock)) return mutex_trylock_slow(m, pc);
  thread_record* const self = tls_thread;
  if (__builtin_expect(self != nullptr && tls_inside == 0, 1)) {
    const det::lock_id id = stamped_id(m);
    if (__builtin_expect(id != 0, 1) &&
        self->state.fast_acquire_ok(id, det::lock_mode::exclusive, det::acquire_kind::try_lock)) {
      const int result = real.mutex_trylock(m);
      if (result == 0) record_acquired_fast(self, id, pc, det::lock_mode::exclusive);
      return result;
    }
  }
  return mutex_trylock_slow(m, pc);
}

int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* abstime) {
  if (explore_point(explore::point_kind::lock))
    return explore_timed_lock(m, CLOCK_REALTIME, abstime, caller_pc(__builtin_return_address(0)));
  if (tls_inside != 0) return real.mutex_timedlock(m, abstime);
  thread_record* self = current_thread();
  if (self == nullptr) return real.mutex_timedlock(m, abstime);
  inside_scope inside;
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  const bool freed = freed_mutex(m);  // before the report reuses the memory
  const lock_handle lock = mutex_record(m, pc);
  if (!lock) return freed ? EINVAL : real.mutex_timedlock(m, abstime);
  return acquire_nonblocking(self, lock, event_of(lock, m, det::acquire_kind::timed, pc),
                             [m, abstime] { return real.mutex_timedlock(m, abstime); });
}

int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abstime) {
  if (explore_point(explore::point_kind::lock))
    return explore_timed_lock(m, clock, abstime, caller_pc(__builtin_return_address(0)));
  if (tls_inside != 0) return real.mutex_clocklock(m, clock, abstime);
  thread_record* self = current_thread();
  if (self == nullptr) return real.mutex_clocklock(m, clock, abstime);
  inside_scope inside;
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  const bool freed = freed_mutex(m);  // before the report reuses the memory
  const lock_handle lock = mutex_record(m, pc);
  if (!lock) return freed ? EINVAL : real.mutex_clocklock(m, clock, abstime);
  return acquire_nonblocking(self, lock, event_of(lock, m, det::acquire_kind::timed, pc),
                             [m, clock, abstime] { return real.mutex_clocklock(m, clock, abstime); });
}

int pthread_mutex_unlock(pthread_mutex_t* m) {
  if (explore_point(explore::point_kind::unlock))
    return mutex_unlock_slow(m, caller_pc(__builtin_return_address(0)));
  thread_record* const self = tls_thread;
  if (__builtin_expect(self != nullptr && tls_inside == 0, 1)) {
    const det::lock_id id = stamped_id(m);
    // Recorded as released before the real unlock (interpose_common.hpp).
    if (__builtin_expect(id != 0, 1) && record_released_fast(self, id)) {
      const int result = real.mutex_unlock(m);
      race_on_released(id);
      return result;
    }
  }
  return mutex_unlock_slow(m, caller_pc(__builtin_return_address(0)));
}

int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attributes) {
  const int result = real.mutex_init(m, attributes);
  // glibc zeroes the object, and with it our stamp: the next use is a new lock.
  if (result == 0) __atomic_store_n(mutex_stamp_slot(m), 0, __ATOMIC_RELAXED);
  return result;
}

int pthread_mutex_destroy(pthread_mutex_t* m) {
  if (tls_inside != 0) return real.mutex_destroy(m);
  inside_scope inside;
  const lock_handle lock = stamped_lock(m);
  if (lock && m->__data.__lock != 0)
    report_destroy_locked(lock, false, caller_pc(__builtin_return_address(0)));
  const int result = real.mutex_destroy(m);
  // glibc refuses a locked mutex (EBUSY): the lock lives on. Otherwise it
  // ended here, and a later use of `m` without an init is reported.
  if (lock && result == 0) end_lock(lock, m, false);
  return result;
}

}  // extern "C"
