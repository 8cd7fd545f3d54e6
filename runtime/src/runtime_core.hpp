// concheck runtime: the core the interposed functions share. INTERNAL.
//
// The process's one monitor (detector engine), initialization, the reports
// (each builds a detector::finding from the registries and hands it to
// emit_finding, never holding an internal lock), and the deadlock checks.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "concheck/detector/monitor.hpp"
#include "lock_registry.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {

// The monitor, constructed on first use and never destroyed.
extern std::atomic<detector::monitor*> g_monitor;
detector::monitor& create_monitor() noexcept;
inline detector::monitor& the_monitor() noexcept {
  detector::monitor* instance = g_monitor.load(std::memory_order_acquire);
  if (__builtin_expect(instance != nullptr, 1)) return *instance;
  return create_monitor();
}

// Idempotent; cheap after the first call. Resolves the real functions,
// registers fork handlers and the dump signal, adopts the calling thread lazily.
void runtime_init() noexcept;

// Captures the caller's full stack (stack_capture_fn for the monitor).
detector::stack_ref capture_for_monitor(void* context);

// Reports. `pc` is the caller of the interposed function.
void report_inversions(thread_record* self,
                       const std::vector<std::vector<detector::cycle_edge_view>>& cycles);
[[noreturn]] void report_self_deadlock(thread_record* self, lock_handle lock, const detector::held_lock& held,
                                       std::uintptr_t pc);
void report_unlock_not_owned(thread_record* self, lock_handle lock, std::uintptr_t pc);
// `freed`: the memory holding the lock was freed (else: destroyed). Not
// reported if no known thread holds it and a report already said its state
// is broken (an unlock by a non-owner, an ended holder): one fault, one report.
void report_destroy_locked(lock_handle lock, bool freed, std::uintptr_t pc);
// A lock that ended (`ended`, read from the object) is used again at `object`.
void report_use_after_destroy(const void* object, lock_class klass, ended_lock ended, std::uintptr_t pc);
void report_cv_misuse(thread_record* self, const void* cv, lock_handle mutex, const detector::cv_check& check,
                      std::uintptr_t pc);
// The thread is ending (called by the registry with the thread's record;
// for the main thread, when it returns from main, calls exit or
// pthread_exit). Locks already reported as destroyed while locked are left out.
void on_thread_exit(thread_record* self) noexcept;

// Real deadlocks. Before a blocking wait, after begin_wait(): checks the
// wait-for graph for a cycle through `self` and reports it (fatal: the
// process ends). Returns if there is none (yet). `owner_tid` (0: unknown)
// is the kernel tid of the lock's owner: if that thread is not blocked, no
// cycle can close through it now (when it blocks, its own check sees ours),
// so the full snapshot is skipped: cheap for ordinary contention.
void check_wait_cycle(thread_record* self, int owner_tid = 0) noexcept;
// Explore mode: the deadlock of a schedule in which no controlled thread can
// run; `threads` are the ones that have not ended (blocked, their waits
// registered). A wait-for cycle among them is drawn as a cycle.
detector::finding explore_deadlock_finding(const std::vector<detector::thread_id>& threads);
// Starts (once) the watchdog that reports "every live thread blocked with no
// timeout for deadlock_grace_ms" (lost wakeups, waits nobody will end).
void ensure_watchdog() noexcept;
// How often the watchdog looks at every thread: deadlock_grace_ms / 4,
// clamped to 5..250 ms.
long watchdog_interval_ms() noexcept;
// How many looks the watchdog has taken so far. Tests that must hold a state
// until the watchdog has judged it for a whole grace period wait for this to
// advance by grace / interval + 2 (a verdict needs the same state over
// `grace`, seen at one look and again `grace` later).
std::uint64_t watchdog_looks() noexcept;
// fork(): the child has no watchdog thread; the next wait starts one.
void watchdog_after_fork_child() noexcept;
// Slice length for blocking in timed steps while re-checking (timespec math).
struct timespec slice_deadline(clockid_t clock) noexcept;

// Lock-event helpers shared by the mutex and rwlock wrappers.
void note_lock_event(thread_record* self, lock_handle lock, const detector::lock_event& event,
                     detector::before_lock_result& result) noexcept;

}  // namespace concheck::detail
