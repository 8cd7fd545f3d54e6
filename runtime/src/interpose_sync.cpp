// concheck runtime: interposed semaphore waits and barrier waits. Neither has
// an owner, so they add no wait-for edge; they are registered so dumps show
// them and the watchdog can tell "every thread blocked forever". In explore
// mode both are scheduling points where a controlled thread blocks in the
// scheduler (a barrier's arrivals are then counted there:
// explore_scheduler.hpp barrier_arrive).
#include <pthread.h>
#include <semaphore.h>

#include <cerrno>

#include "interpose_common.hpp"

using namespace concheck::detail;
namespace det = concheck::detector;

namespace {

template <class Wait>
int registered_wait(det::wait_kind kind, const void* object, bool timed, std::uintptr_t pc, Wait wait) {
  thread_record* self = current_thread();
  if (self == nullptr) return wait();
  inside_scope inside;
  begin_wait(self, kind, reinterpret_cast<std::uint64_t>(object), false, timed, pc);
  const wait_end_guard waiting(self);  // sem_wait is a cancellation point
  if (!timed) ensure_watchdog();
  return wait();
}

// Explore mode: a semaphore wait as the scheduler sees it (the count lives
// in the real semaphore: sem_trywait takes it, sem_post wakes the waiters
// to retry). Returns as sem_wait does (-1 with errno ETIMEDOUT on a timeout).
// An untimed wait is not offered while the count is 0, and a count taken
// down to 0 blocks again the waiters a post woke (explore_scheduler.hpp
// semaphore_point, semaphore_taken): their retry could only fail.
int explore_sem_wait(sem_t* semaphore, bool timed, std::int64_t deadline, std::uintptr_t pc) noexcept {
  if (timed) {
    explore::point(explore::point_kind::semaphore);
  } else {
    explore::semaphore_point(semaphore);
  }
  for (;;) {
    if (real.sem_trywait(semaphore) == 0) {
      explore::semaphore_taken(semaphore);
      return 0;
    }
    if (errno != EAGAIN) return -1;
    if (explore::block_on(semaphore, det::wait_kind::semaphore, reinterpret_cast<std::uint64_t>(semaphore),
                          timed, deadline, pc)) {
      if (real.sem_trywait(semaphore) == 0) {
        explore::semaphore_taken(semaphore);
        return 0;
      }
      errno = ETIMEDOUT;
      return -1;
    }
  }
}

// A wait that returned 0 took what a post released (race_sync.hpp).
int acquired_if_ok(const void* object, int result) noexcept {
  if (result == 0) race_on_acquire(object);
  return result;
}

bool exploring_here() noexcept {
  return explore::controlled() && tls_inside == 0;
}

// The number of threads a round of `barrier` takes, read from glibc's
// object (nptl/pthread_barrier_init.c: in, current_round, count, shared,
// out; the layout since glibc 2.25); 0 if it looks uninitialized.
unsigned barrier_count(const pthread_barrier_t* barrier) noexcept {
  struct glibc_barrier {
    unsigned in, current_round, count;
    int shared;
    unsigned out;
  };
  static_assert(sizeof(glibc_barrier) <= sizeof(pthread_barrier_t));
  return reinterpret_cast<const glibc_barrier*>(barrier)->count;
}

}  // namespace

extern "C" {

int sem_post(sem_t* semaphore) {
  if (tls_inside == 0) race_on_release(semaphore);
  const int result = real.sem_post(semaphore);
  if (result == 0 && exploring_here()) {
    explore::wake_all(semaphore);
    explore::point(explore::point_kind::semaphore);
  }
  return result;
}

int sem_trywait(sem_t* semaphore) {
  if (tls_inside != 0) return real.sem_trywait(semaphore);
  if (exploring_here()) {
    explore::point(explore::point_kind::semaphore);
    const int result = real.sem_trywait(semaphore);
    if (result == 0) {
      explore::semaphore_taken(semaphore);
    } else {
      explore::note_spin();  // a failed attempt is no progress
    }
    return acquired_if_ok(semaphore, result);
  }
  return acquired_if_ok(semaphore, real.sem_trywait(semaphore));
}

int sem_wait(sem_t* semaphore) {
  if (exploring_here())
    return acquired_if_ok(semaphore,
                          explore_sem_wait(semaphore, false, 0, caller_pc(__builtin_return_address(0))));
  if (tls_inside != 0) return real.sem_wait(semaphore);
  return acquired_if_ok(semaphore, registered_wait(det::wait_kind::semaphore, semaphore, false,
                                                   caller_pc(__builtin_return_address(0)),
                                                   [semaphore] { return real.sem_wait(semaphore); }));
}

int sem_timedwait(sem_t* semaphore, const struct timespec* abstime) {
  if (exploring_here())
    return acquired_if_ok(
        semaphore, explore_sem_wait(semaphore, true, explore::virtual_deadline(CLOCK_REALTIME, *abstime),
                                    caller_pc(__builtin_return_address(0))));
  if (tls_inside != 0) return real.sem_timedwait(semaphore, abstime);
  return acquired_if_ok(semaphore, registered_wait(det::wait_kind::semaphore, semaphore, true,
                                                   caller_pc(__builtin_return_address(0)),
                                                   [=] { return real.sem_timedwait(semaphore, abstime); }));
}

int sem_clockwait(sem_t* semaphore, clockid_t clock, const struct timespec* abstime) {
  if (exploring_here())
    return acquired_if_ok(semaphore,
                          explore_sem_wait(semaphore, true, explore::virtual_deadline(clock, *abstime),
                                           caller_pc(__builtin_return_address(0))));
  if (tls_inside != 0) return real.sem_clockwait(semaphore, clock, abstime);
  return acquired_if_ok(semaphore, registered_wait(det::wait_kind::semaphore, semaphore, true,
                                                   caller_pc(__builtin_return_address(0)), [=] {
                                                     return real.sem_clockwait(semaphore, clock, abstime);
                                                   }));
}

int pthread_barrier_wait(pthread_barrier_t* barrier) {
  if (tls_inside != 0) return real.barrier_wait(barrier);
  // Every arrival releases into the barrier's clock before anyone can pass;
  // every thread that passes acquires all of them.
  race_on_release(barrier);
  if (exploring_here()) {
    if (const unsigned count = barrier_count(barrier); count != 0) {
      const bool serial = explore::barrier_arrive(barrier, count, caller_pc(__builtin_return_address(0)));
      race_on_acquire(barrier);
      return serial ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
    }
  }
  const int result =
      registered_wait(det::wait_kind::barrier, barrier, false, caller_pc(__builtin_return_address(0)),
                      [barrier] { return real.barrier_wait(barrier); });
  if (result == 0 || result == PTHREAD_BARRIER_SERIAL_THREAD) race_on_acquire(barrier);
  return result;
}

}  // extern "C"
