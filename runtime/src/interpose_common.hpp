// concheck runtime: the acquisition protocol the interposed lock functions
// share. INTERNAL.
//
//   before_lock (monitor: order edges before blocking, self-deadlock)
//   -> try the real lock; if busy and the call may block forever:
//      register the wait, check the wait-for graph, block in slices
//      (re-checking after each), unregister
//   -> after_lock (monitor: the lock is held)
// Release: before_unlock (monitor: unlock-not-owned), then the real unlock,
// so "recorded as held" always implies "really held" (the wait-for graph
// relies on it).
// Reentrancy and signal handlers: the uncontended path calls nothing that
// can re-enter an interposed function, but a signal handler can run in the
// middle of it, so its one change to the thread's record (a push or a pop)
// is made inside an inside_scope (record_acquired_fast, record_released_fast
// below); every slow path runs inside one from its start (stack capture,
// allocation, reporting and registration re-enter, and its changes to the
// thread's record must not be interleaved with a handler's either).
#pragma once

#include <cerrno>

#include "explore_time.hpp"
#include "fork_holders.hpp"
#include "race/race_sync.hpp"
#include "real_functions.hpp"
#include "runtime_core.hpp"

namespace concheck::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Explore mode: lock `id` was acquired in `mode` (the scheduler's table of
// holders). Taken exclusively, the waiters its last unlock woke could only
// fail their retry: they block again.
inline void explore_acquired(detector::lock_id id, detector::lock_mode mode) noexcept {
  if (!explore::controlled()) return;
  if (mode == detector::lock_mode::exclusive) {
    explore::lock_acquired(explore::lock_key(id));
  } else {
    explore::lock_acquired_shared(explore::lock_key(id));
  }
}

// `try_once()` returns 0 or EBUSY; `block_until(deadline)` is the real timed
// acquisition (returns 0, ETIMEDOUT or an error).
// `owner_tid()` is the kernel tid of the exclusive owner if the object says
// (0 when unknown, e.g. held by readers).
template <class TryOnce, class BlockUntil, class OwnerTid>
int acquire_blocking(thread_record* self, lock_handle lock, const detector::lock_event& event,
                     TryOnce try_once, BlockUntil block_until, OwnerTid owner_tid) noexcept {
  detector::before_lock_result before;
  // Holding nothing, an acquisition can add no edge and cannot self-deadlock.
  if (self->state.held_count() != 0) {
    inside_scope inside;  // a new edge captures a stack, which may lock (libgcc)
    before = the_monitor().before_lock(self->state, event, &capture_for_monitor);
    if (before.self_deadlock || !before.inversions.empty()) note_lock_event(self, lock, event, before);
  }
  int result = try_once();
  if (result == EBUSY && explore::controlled()) {
    // Explore mode: the holder cannot run while we spin or sleep; wait in
    // the scheduler until an unlock of this lock makes us runnable again.
    // (An error-checking mutex refuses its owner; the real trylock says busy.)
    if (before.already_held && event.relock == detector::relock_behavior::fails) return EDEADLK;
    while (result == EBUSY) {
      explore::block_on(explore::lock_key(lock->id), detector::wait_kind::lock, lock->id, false, 0, event.pc);
      result = try_once();
    }
  }
  if (result == EBUSY) {
    // Most contention is short: spin a little before the (costlier) wait
    // registration and deadlock check.
    for (int spin = 0; spin < 64 && result == EBUSY; ++spin) {
      cpu_relax();
      result = try_once();
    }
  }
  if (result == EBUSY) {
    inside_scope inside;
    const int owner = owner_tid();
    // In a forked child, a lock whose holder did not survive fork() is never
    // released. Checked before the wait is registered: the all-blocked
    // watchdog must not see this thread blocked while its report is built.
    check_vanished_holder(self, lock->id, owner, event.pc);
    begin_wait(self, detector::wait_kind::lock, lock->id, event.mode == detector::lock_mode::shared, false,
               event.pc, false);
    ensure_watchdog();
    check_wait_cycle(self, owner);
    bool stack_taken = false;
    for (;;) {
      const timespec deadline = slice_deadline(CLOCK_MONOTONIC);
      result = block_until(deadline);
      if (result != ETIMEDOUT) break;
      // A long wait: worth a full stack for the report or dump that may follow.
      if (!stack_taken) {
        note_wait_stack(self);
        stack_taken = true;
      }
      check_wait_cycle(self, 0);
    }
    end_wait(self);
  }
  if (result == 0) {
    the_monitor().after_lock(self->state, event, before.stack, !before.already_held);
    race_on_acquired(event.lock, event.mode);
    explore_acquired(event.lock, event.mode);
  }
  return result;
}

// try-lock and timed acquisitions: no order edge, no wait registration for
// try-lock; a timed wait is registered as timed (it ends by itself).
template <class Attempt>
int acquire_nonblocking(thread_record* self, lock_handle lock, const detector::lock_event& event,
                        Attempt attempt) noexcept {
  detector::before_lock_result before;
  if (self->state.held_count() != 0) before = the_monitor().before_lock(self->state, event, nullptr);
  int result;
  if (event.kind == detector::acquire_kind::timed) {
    inside_scope inside;
    begin_wait(self, detector::wait_kind::lock, lock->id, event.mode == detector::lock_mode::shared, true,
               event.pc, false);
    result = attempt();
    end_wait(self);
  } else {
    result = attempt();
  }
  if (result == 0) {
    the_monitor().after_lock(self->state, event, before.stack);
    race_on_acquired(event.lock, event.mode);
    explore_acquired(event.lock, event.mode);
  } else if (event.kind == detector::acquire_kind::try_lock) {
    explore::note_spin();  // explore mode: a failed attempt is no progress
  }
  return result;
}

// Explore mode: a timed acquisition (try_once as in acquire_blocking) that
// the scheduler may time out at `deadline` (virtual ns).
template <class TryOnce>
int explore_timed_acquire(detector::lock_id id, std::int64_t deadline, std::uintptr_t pc,
                          TryOnce try_once) noexcept {
  for (;;) {
    const int result = try_once();
    if (result != EBUSY) return result;
    if (explore::block_on(explore::lock_key(id), detector::wait_kind::lock, id, true, deadline, pc)) {
      const int last = try_once();
      return last == EBUSY ? ETIMEDOUT : last;
    }
  }
}

// Explore mode (explore_scheduler.hpp): every operation of a controlled
// thread is a scheduling point and takes the general path.
inline bool explore_point(explore::point_kind kind) noexcept {
  if (__builtin_expect(explore::tls_controlled == nullptr, 1)) return false;
  if (tls_inside == 0) explore::point(kind);
  return true;
}

// Explore mode: after a real unlock of lock `id`, its waiters may retry.
inline void explore_unlocked(detector::lock_id id) noexcept {
  if (!explore::controlled()) return;
  explore::lock_released(explore::lock_key(id));
  explore::wake_all(explore::lock_key(id));
}

// The fast paths' changes to the thread's held locks, guarded against a
// signal handler's lock calls (thread_registry.hpp, tls_inside). Two
// increments of a thread-local: no fence instruction, no system call.
[[gnu::always_inline]] inline void record_acquired_fast(thread_record* self, detector::lock_id id,
                                                        std::uintptr_t pc,
                                                        detector::lock_mode mode) noexcept {
  {
    inside_scope bookkeeping;
    self->state.acquired_fast(id, pc, mode);
  }
  race_on_acquired(id, mode);
}
// Before the real unlock; race_on_released(id) follows it (race_sync.hpp).
[[gnu::always_inline]] inline bool record_released_fast(thread_record* self, detector::lock_id id) noexcept {
  {
    inside_scope bookkeeping;
    if (!self->state.release_fast(id)) return false;
  }
  race_on_releasing_exclusive(id);  // the fast paths release exclusive locks only
  return true;
}

inline std::uintptr_t caller_pc(void* address) noexcept {
  return reinterpret_cast<std::uintptr_t>(address);
}

}  // namespace concheck::detail
