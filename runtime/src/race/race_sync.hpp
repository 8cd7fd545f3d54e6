// concheck runtime: the synchronization the interposed functions already see,
// fed to race detection as happens-before. INTERNAL.
//
// docs/event-model.md ("Happens-before") lists the pairs; this is where each
// interposed function says which side of a pair it is:
//   lock acquired (any mode)      acquire(lock)            + lockset gains it
//   write unlock / mutex unlock   release_merge(lock) before the real unlock,
//                                 lockset loses it after (race_on_released)
//   read unlock                   release_merge(lock's read clock), which only
//                                 a writer acquires: readers are not ordered
//                                 by each other, so two readers' accesses
//                                 still race if they conflict
//   cv notify / wait return       release_merge(cv) / acquire(cv)
//   sem_post / a successful wait  release_merge(sem) / acquire(sem)
//   barrier wait                  release_merge(barrier) then acquire(barrier)
//   pthread_once, static guards   release_merge(once) after the initializer /
//                                 acquire(once) on every return
//   thread create/start/exit/join race::thread_* (race_runtime.hpp)
// Locks are keyed by concheck's lock id (never reused), so a lock's clock
// needs no address bookkeeping; it is dropped when the lock ends. Every
// helper is one relaxed load while race detection is off.
#pragma once

#include <pthread.h>

#include <cstdint>

#include "concheck/detector/monitor.hpp"
#include "race_runtime.hpp"

namespace concheck::detail {
struct thread_record;

void race_lock_acquired(detector::lock_id id, detector::lock_mode mode) noexcept;
void race_lock_releasing(thread_record* self, detector::lock_id id) noexcept;
void race_lock_releasing_exclusive(detector::lock_id id) noexcept;
void race_lock_released(detector::lock_id id) noexcept;
void race_lock_ended(detector::lock_id id) noexcept;

// A lock of `mode` was acquired (after the real acquisition succeeded).
inline void race_on_acquired(detector::lock_id id, detector::lock_mode mode) noexcept {
  if (__builtin_expect(race::enabled(), 0)) race_lock_acquired(id, mode);
}
// An unlock is two calls, so that the lock is held no longer than the
// happens-before edge needs (docs/event-model.md, "Race detection on this
// model"):
// - race_on_releasing, before the real unlock: publishes the thread's clock
//   into the lock's (the next owner must find it there) and starts a new
//   epoch, which the next owner's clock does not cover. `self` is about to
//   release `id` and the monitor still holds it: its held mode says which
//   clock the release goes to.
// - race_on_released, after the real unlock: the thread's lockset loses the
//   lock (and another epoch starts, so an epoch names one lockset). Only this
//   thread's own later accesses read its lockset, and between the two calls
//   it makes none (it is inside the interposed unlock), so every access is
//   recorded with the locks it was made under, as before; the next owner,
//   woken by the real unlock, no longer waits for this bookkeeping.
inline void race_on_releasing(thread_record* self, detector::lock_id id) noexcept {
  if (__builtin_expect(race::enabled(), 0)) race_lock_releasing(self, id);
}
// The fast paths' unlock of an exclusive lock, already forgotten by the
// monitor (still before the real unlock).
inline void race_on_releasing_exclusive(detector::lock_id id) noexcept {
  if (__builtin_expect(race::enabled(), 0)) race_lock_releasing_exclusive(id);
}
inline void race_on_released(detector::lock_id id) noexcept {
  if (__builtin_expect(race::enabled(), 0)) race_lock_released(id);
}
inline void race_on_lock_ended(detector::lock_id id) noexcept {
  if (__builtin_expect(race::enabled(), 0)) race_lock_ended(id);
}
// Objects that carry their own clock (condition variables, semaphores,
// barriers, once flags): by address.
inline void race_on_release(const void* object) noexcept {
  if (__builtin_expect(race::enabled(), 0)) race::release_merge(object);
}
inline void race_on_acquire(const void* object) noexcept {
  if (__builtin_expect(race::enabled(), 0)) race::acquire(object);
}

// Threads. Creation: the creator takes a token (null while race detection is
// off) that the new thread adopts when it starts; its stack's shadow is reset
// there (glibc reuses the stacks of ended threads). End: the thread's final
// clock is released into a clock keyed by its pthread_t, which a successful
// join acquires (joins know the handle, not always the thread's record).
race::thread_token race_thread_creating() noexcept;
void race_thread_started(race::thread_token token, std::uint64_t thread_id) noexcept;
void race_thread_ending() noexcept;
void race_thread_joined(pthread_t thread) noexcept;

}  // namespace concheck::detail
