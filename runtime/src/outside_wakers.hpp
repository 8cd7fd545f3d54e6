// concheck runtime: wakers the runtime cannot see. INTERNAL.
//
// "Every live thread is blocked with no timeout" proves a deadlock only if
// nothing outside concheck's view can wake one of them. Three things can:
//  - another process, when a thread waits on a process-shared mutex, rwlock,
//    condition variable, semaphore or barrier (Python's multiprocessing.Lock
//    is a named, hence process-shared, semaphore);
//  - a thread concheck does not see (a SIGEV_THREAD timer's helper thread,
//    which glibc starts without going through pthread_create; a raw clone);
//  - a signal handler for an asynchronous signal (SIGALRM, SIGTERM, SIGCHLD,
//    SIGUSR1, real-time signals...), which may sem_post or write to a pipe.
// Handlers of synchronous signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
// SIGSYS, SIGABRT, SIGPIPE: raised by the thread's own instructions, which a
// blocked thread does not run) and concheck's own dump signal do not count.
// docs/reading-reports.md ("deadlock") says what concheck reports then.
//
// Called by the watchdog only once it has seen every thread blocked for the
// whole grace period, never on a lock path. Cost: one sigaction query per
// signal number (64), one read of /proc/self/task, one look at each waited-on
// object. Allocates; must run with the reentrancy guard set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "concheck/detector/wait_for_graph.hpp"

namespace concheck::detail {

struct blocked_wait {
  detector::thread_id thread = 0;
  detector::wait_kind kind = detector::wait_kind::none;
  std::uint64_t target = 0;  // a lock id, or the object's address (condition, semaphore, barrier)
};

// Why a thread outside concheck's view could still wake one of `waits`
// (`live_threads`: threads in the registry, `internal_threads`: concheck's
// own), in words for a report ("T1 waits on a process-shared semaphore");
// empty when nothing could, i.e. the all-blocked state is a deadlock.
std::string outside_waker(const std::vector<blocked_wait>& waits, std::size_t live_threads,
                          std::size_t internal_threads);

// The parts, exposed for tests.
bool waits_on_process_shared(detector::wait_kind kind, std::uint64_t target) noexcept;
std::string async_signal_handlers();  // "SIGALRM, SIGUSR1" or ""
long task_count() noexcept;           // threads of this process per /proc/self/task; -1 if unreadable

}  // namespace concheck::detail
