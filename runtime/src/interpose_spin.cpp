// concheck runtime: interposed pthread_spin_* functions. In explore mode
// each operation of a controlled thread is a scheduling point and a busy
// lock blocks the thread in the scheduler until an unlock, as a mutex does.
// A spin lock is judged like a non-recursive mutex (order edges, self-deadlock, misuse); its
// identity comes from an address-keyed table (spin_lock_index.hpp: an int has
// no room for a stamp). A contended acquisition spins on the real trylock;
// past a short spin it registers its wait exactly as a blocked mutex
// acquisition does, so the wait-for graph and the watchdog see a spin that
// can never end (a real deadlock) although the thread never sleeps.
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "interpose_common.hpp"

using namespace concheck::detail;
namespace det = concheck::detector;

namespace {

det::lock_event event_of(lock_handle lock, det::acquire_kind kind, std::uintptr_t pc) noexcept {
  return det::lock_event{lock->id, det::lock_mode::exclusive, kind, det::relock_behavior::blocks, pc};
}

bool reached(const timespec& deadline) noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

// The real busy wait, until `deadline` (CLOCK_MONOTONIC): 0 or ETIMEDOUT.
// A waiter this far in has already spun a while: it yields now and then so
// the holder can run on a loaded machine.
int spin_until(pthread_spinlock_t* s, const timespec& deadline) noexcept {
  for (unsigned attempt = 1;; ++attempt) {
    if (real.spin_trylock(s) == 0) return 0;
    cpu_relax();
    if (attempt % 256 == 0) {
      if (reached(deadline)) return ETIMEDOUT;
      sched_yield();
    }
  }
}

[[gnu::cold, gnu::noinline]] int spin_lock_slow(pthread_spinlock_t* s, std::uintptr_t pc) {
  if (tls_inside != 0) return real.spin_lock(s);
  inside_scope inside;
  thread_record* self = current_thread();
  if (self == nullptr) return real.spin_lock(s);
  const lock_handle lock = spin_record(s, pc);
  if (!lock) return real.spin_lock(s);
  return acquire_blocking(
      self, lock, event_of(lock, det::acquire_kind::blocking, pc), [s] { return real.spin_trylock(s); },
      [s](const timespec& deadline) { return spin_until(s, deadline); },
      [] { return 0; });  // a spin lock does not say who holds it
}

[[gnu::cold, gnu::noinline]] int spin_trylock_slow(pthread_spinlock_t* s, std::uintptr_t pc) {
  if (tls_inside != 0) return real.spin_trylock(s);
  inside_scope inside;
  thread_record* self = current_thread();
  if (self == nullptr) return real.spin_trylock(s);
  const lock_handle lock = spin_record(s, pc);
  if (!lock) return real.spin_trylock(s);
  return acquire_nonblocking(self, lock, event_of(lock, det::acquire_kind::try_lock, pc),
                             [s] { return real.spin_trylock(s); });
}

[[gnu::cold, gnu::noinline]] int spin_unlock_slow(pthread_spinlock_t* s, std::uintptr_t pc) {
  if (tls_inside != 0) return real.spin_unlock(s);
  inside_scope inside;
  thread_record* self = current_thread();
  if (self == nullptr) return real.spin_unlock(s);
  const lock_handle lock = spin_record(s, pc);
  if (lock) race_on_releasing(self, lock->id);
  if (lock && !the_monitor().before_unlock(self->state, lock->id)) report_unlock_not_owned(self, lock, pc);
  const int result = real.spin_unlock(s);
  if (lock) race_on_released(lock->id);
  if (lock) explore_unlocked(lock->id);
  return result;
}

}  // namespace

// Fast paths as for mutexes (interpose_mutex.cpp), with the id from the
// table instead of a stamp.
extern "C" {

int pthread_spin_lock(pthread_spinlock_t* s) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  if (explore_point(explore::point_kind::lock)) return spin_lock_slow(s, pc);
  thread_record* const self = tls_thread;
  if (__builtin_expect(self != nullptr && tls_inside == 0, 1)) {
    const det::lock_id id = spin_live_id(s);
    if (id != 0 && self->state.fast_acquire_ok(id, det::lock_mode::exclusive, det::acquire_kind::blocking) &&
        real.spin_trylock(s) == 0) {
      record_acquired_fast(self, id, pc, det::lock_mode::exclusive);
      return 0;
    }
  }
  return spin_lock_slow(s, pc);
}

int pthread_spin_trylock(pthread_spinlock_t* s) {
  const std::uintptr_t pc = caller_pc(__builtin_return_address(0));
  if (explore_point(explore::point_kind::lock)) return spin_trylock_slow(s, pc);
  thread_record* const self = tls_thread;
  if (__builtin_expect(self != nullptr && tls_inside == 0, 1)) {
    const det::lock_id id = spin_live_id(s);
    if (id != 0 && self->state.fast_acquire_ok(id, det::lock_mode::exclusive, det::acquire_kind::try_lock)) {
      const int result = real.spin_trylock(s);
      if (result == 0) record_acquired_fast(self, id, pc, det::lock_mode::exclusive);
      return result;
    }
  }
  return spin_trylock_slow(s, pc);
}

int pthread_spin_unlock(pthread_spinlock_t* s) {
  if (explore_point(explore::point_kind::unlock))
    return spin_unlock_slow(s, caller_pc(__builtin_return_address(0)));
  thread_record* const self = tls_thread;
  if (__builtin_expect(self != nullptr && tls_inside == 0, 1)) {
    const det::lock_id id = spin_live_id(s);
    if (id != 0 && record_released_fast(self, id)) {
      const int result = real.spin_unlock(s);
      race_on_released(id);
      return result;
    }
  }
  return spin_unlock_slow(s, caller_pc(__builtin_return_address(0)));
}

int pthread_spin_init(pthread_spinlock_t* s, int pshared) {
  const int result = real.spin_init(s, pshared);
  // A new lock at this address, whatever was there before.
  if (result == 0 && tls_inside == 0) spin_lock_initialized(s);
  return result;
}

int pthread_spin_destroy(pthread_spinlock_t* s) {
  if (tls_inside != 0) return real.spin_destroy(s);
  inside_scope inside;
  lock_handle lock{spin_live_id(s)};
  if (!lock) lock = existing_lock(const_cast<int*>(s));  // not in the index (full, or changing)
  if (lock) {
    // Locked? The value's meaning differs between architectures (x86 counts
    // down from 1); the real trylock answers on all of them.
    if (real.spin_trylock(s) == 0) {
      real.spin_unlock(s);
    } else {
      report_destroy_locked(lock, false, caller_pc(__builtin_return_address(0)));
    }
    spin_lock_ended(s);
  }
  return real.spin_destroy(s);
}

}  // extern "C"
