// concheck runtime: interposed pthread_rwlock_* functions (std::shared_mutex,
// std::shared_timed_mutex and raw reader-writer locks).
#include <pthread.h>

#include "interpose_common.hpp"

using namespace concheck::detail;
namespace det = concheck::detector;

namespace {

det::lock_event event_of(lock_handle lock, det::lock_mode mode, det::acquire_kind kind,
                         std::uintptr_t pc) noexcept {
  return det::lock_event{lock->id, mode, kind, det::relock_behavior::rwlock, pc};
}

// What a scheduling point of an operation on the lock is: a blocking
// acquisition (its thread is not offered while another holds the lock in a
// mode that excludes it: explore_scheduler.hpp lock_point) or any other.
enum class rw_point : std::uint8_t { other, unlock, read, write };

// The common shape of every acquisition: forward when uninstrumented.
template <class Real, class Instrumented>
int with_rwlock(pthread_rwlock_t* rw, std::uintptr_t pc, Real forward, Instrumented instrumented,
                rw_point kind = rw_point::other) {
  // Explore mode: every operation of a controlled thread is a scheduling point.
  if (explore::controlled() && tls_inside == 0) {
    if (kind == rw_point::read || kind == rw_point::write) {
      // Known by its stamp only once seen (first sight: offered, as before).
      const det::lock_id id = id_from_stamp(__atomic_load_n(rwlock_stamp_slot(rw), __ATOMIC_RELAXED), rw);
      explore::lock_point(id != 0 ? explore::lock_key(id) : nullptr, kind == rw_point::read);
    } else {
      explore::point(kind == rw_point::unlock ? explore::point_kind::unlock : explore::point_kind::lock);
    }
  }
  if (tls_inside != 0) return forward();
  inside_scope inside;
  thread_record* self = current_thread();
  if (self == nullptr) return forward();
  const bool freed = freed_rwlock(rw);  // before the report reuses the memory
  const lock_handle lock = rwlock_record(rw, pc);
  if (!lock) return freed ? EINVAL : forward();
  return instrumented(self, lock);
}

// A timed acquisition: the real one, or in explore mode the scheduler's
// (explore_timed_acquire over the real try function).
template <class Real>
int timed_attempt(pthread_rwlock_t* rw, lock_handle lock, clockid_t clock, const timespec* at,
                  std::uintptr_t pc, int (*try_function)(pthread_rwlock_t*), Real real_timed) {
  if (!explore::controlled()) return real_timed();
  return explore_timed_acquire(lock->id, explore::virtual_deadline(clock, *at), pc,
                               [rw, try_function] { return try_function(rw); });
}

}  // namespace

extern "C" {

int pthread_rwlock_rdlock(pthread_rwlock_t* rw) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [rw] { return real.rwlock_rdlock(rw); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_blocking(
            self, lock, event_of(lock, det::lock_mode::shared, det::acquire_kind::blocking, pc),
            [rw] { return real.rwlock_tryrdlock(rw); },
            [rw](const timespec& deadline) {
              return real.rwlock_clockrdlock(rw, CLOCK_MONOTONIC, &deadline);
            },
            [rw] { return __atomic_load_n(&rw->__data.__cur_writer, __ATOMIC_RELAXED); });
      },
      rw_point::read);
}

int pthread_rwlock_wrlock(pthread_rwlock_t* rw) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [rw] { return real.rwlock_wrlock(rw); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_blocking(
            self, lock, event_of(lock, det::lock_mode::exclusive, det::acquire_kind::blocking, pc),
            [rw] { return real.rwlock_trywrlock(rw); },
            [rw](const timespec& deadline) {
              return real.rwlock_clockwrlock(rw, CLOCK_MONOTONIC, &deadline);
            },
            [rw] { return __atomic_load_n(&rw->__data.__cur_writer, __ATOMIC_RELAXED); });
      },
      rw_point::write);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t* rw) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [rw] { return real.rwlock_tryrdlock(rw); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_nonblocking(self, lock,
                                   event_of(lock, det::lock_mode::shared, det::acquire_kind::try_lock, pc),
                                   [rw] { return real.rwlock_tryrdlock(rw); });
      });
}

int pthread_rwlock_trywrlock(pthread_rwlock_t* rw) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [rw] { return real.rwlock_trywrlock(rw); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_nonblocking(self, lock,
                                   event_of(lock, det::lock_mode::exclusive, det::acquire_kind::try_lock, pc),
                                   [rw] { return real.rwlock_trywrlock(rw); });
      });
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t* rw, const struct timespec* at) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [rw, at] { return real.rwlock_timedrdlock(rw, at); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_nonblocking(
            self, lock, event_of(lock, det::lock_mode::shared, det::acquire_kind::timed, pc), [&] {
              return timed_attempt(rw, lock, CLOCK_REALTIME, at, pc, real.rwlock_tryrdlock,
                                   [rw, at] { return real.rwlock_timedrdlock(rw, at); });
            });
      });
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t* rw, const struct timespec* at) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [rw, at] { return real.rwlock_timedwrlock(rw, at); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_nonblocking(
            self, lock, event_of(lock, det::lock_mode::exclusive, det::acquire_kind::timed, pc), [&] {
              return timed_attempt(rw, lock, CLOCK_REALTIME, at, pc, real.rwlock_trywrlock,
                                   [rw, at] { return real.rwlock_timedwrlock(rw, at); });
            });
      });
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t* rw, clockid_t clock, const struct timespec* at) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [=] { return real.rwlock_clockrdlock(rw, clock, at); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_nonblocking(
            self, lock, event_of(lock, det::lock_mode::shared, det::acquire_kind::timed, pc), [&] {
              return timed_attempt(rw, lock, clock, at, pc, real.rwlock_tryrdlock,
                                   [=] { return real.rwlock_clockrdlock(rw, clock, at); });
            });
      });
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t* rw, clockid_t clock, const struct timespec* at) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [=] { return real.rwlock_clockwrlock(rw, clock, at); },
      [&](thread_record* self, lock_handle lock) {
        return acquire_nonblocking(
            self, lock, event_of(lock, det::lock_mode::exclusive, det::acquire_kind::timed, pc), [&] {
              return timed_attempt(rw, lock, clock, at, pc, real.rwlock_trywrlock,
                                   [=] { return real.rwlock_clockwrlock(rw, clock, at); });
            });
      });
}

int pthread_rwlock_unlock(pthread_rwlock_t* rw) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  return with_rwlock(
      rw, pc, [rw] { return real.rwlock_unlock(rw); },
      [&](thread_record* self, lock_handle lock) {
        race_on_releasing(self, lock->id);
        if (!the_monitor().before_unlock(self->state, lock->id)) report_unlock_not_owned(self, lock, pc);
        const int result = real.rwlock_unlock(rw);
        race_on_released(lock->id);
        explore_unlocked(lock->id);
        return result;
      },
      rw_point::unlock);
}

int pthread_rwlock_init(pthread_rwlock_t* rw, const pthread_rwlockattr_t* attributes) {
  const int result = real.rwlock_init(rw, attributes);
  if (result == 0) __atomic_store_n(rwlock_stamp_slot(rw), 0, __ATOMIC_RELAXED);
  return result;
}

int pthread_rwlock_destroy(pthread_rwlock_t* rw) {
  if (tls_inside != 0) return real.rwlock_destroy(rw);
  inside_scope inside;
  const lock_handle lock = stamped_lock(rw);
  if (lock) {
    const unsigned readers = rw->__data.__readers;
    if ((readers & 2u) != 0 || (readers >> 3) != 0) {
      report_destroy_locked(lock, false, caller_pc(__builtin_return_address(0)));
    }
  }
  const int result = real.rwlock_destroy(rw);
  // glibc's destroy never refuses, locked or not: the lock ended here.
  if (lock && result == 0) end_lock(lock, rw, false);
  return result;
}

}  // extern "C"
