// concheck runtime: locks that threads of the parent process held at fork(). INTERNAL.
//
// fork() copies only the calling thread. A lock that another thread held at
// that moment stays locked in the child for good: its holder does not exist
// there, and nothing else may unlock it. The child's fork handler records
// each such hold (lock, the vanished thread's id, name and kernel tid, where
// it was acquired) before the thread registry forgets the vanished threads;
// a thread of the child that then blocks on such a lock is reported at once
// as a deadlock that names the vanished holder ("held by thread T2 of the
// parent process, which does not exist in this child (fork)") and ends the
// process, as every deadlock does. The verdict is certain, not a guess: when
// the lock says who owns it (a mutex's or a write-locked rwlock's kernel tid)
// that must still be the vanished thread; a lock re-initialized in the child
// is a new lock with a new id; an unlock by a thread of the child (itself
// reported as unlock-not-owned) forgets the hold.
// Storage: a fixed table of 256 holds, written by the fork handler while the
// child has one thread, read afterwards; a grandchild keeps its parent's
// entries (those locks are still held) and adds its own. Holds beyond 256 are
// not recorded (the all-blocked watchdog still ends such a hang, without the
// holder's name); so is a thread caught by fork() in the middle of recording
// a lock. Cost: nothing on the lock paths; a blocking wait (contention) reads
// one counter, and scans the table only in a child that has entries.
#pragma once

#include "concheck/detector/monitor.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {

// In the forked child's fork handler: `vanished` is a thread of the parent
// that does not exist here; its held locks are recorded.
void remember_vanished_holds(const thread_record& vanished) noexcept;

// `lock` was unlocked by a thread of this process after all (an unlock by a
// non-owner): its holder no longer matters.
void forget_vanished_hold(detector::lock_id lock) noexcept;

// Before a blocking wait for `lock`, before begin_wait() (so the all-blocked
// watchdog never sees the thread waiting while this verdict is being
// written): if a vanished thread holds it (and `owner_tid`, the kernel tid the
// lock names as its owner, 0 if it names none, agrees), reports the deadlock
// and ends the process. `pc` is the waiting call's return address, the site
// when no stack can be captured. Returns otherwise.
void check_vanished_holder(thread_record* self, detector::lock_id lock, int owner_tid,
                           std::uintptr_t pc) noexcept;

}  // namespace concheck::detail
