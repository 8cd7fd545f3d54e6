// concheck runtime: the deterministic scheduler of explore mode. INTERNAL.
//
// Contract (docs/explore.md, docs/event-model.md "Scheduling points"):
// - While a schedule runs, the threads it controls (the body's thread T0 and
//   every thread created by a controlled thread) are real threads, but only
//   one of them runs at a time: the one holding the turn. A controlled
//   thread gives the turn away only at a scheduling point (point(),
//   block_on(), thread_ends()), so the interleaving is a function of the
//   scheduler's decisions alone, and a strategy with a seed gives the same
//   interleaving every time.
// - At a scheduling point the scheduler builds the list of enabled choices
//   (the runnable threads in creation order, then the timed-out candidates:
//   blocked threads with a timeout whose deadline is the earliest) and asks
//   the strategy for one. Choosing a timed candidate times its wait out and
//   moves the virtual clock to its deadline.
// - A blocked thread waits for an object (a lock, a condition variable, a
//   semaphore, a thread to end) and is not runnable until the object's
//   owner wakes it (wake_all / wake_one); a woken thread retries its
//   operation (a lock's real trylock, a semaphore's trywait), so ownership
//   lives in the real objects and the scheduler keeps no model of it.
// - No enabled choice while some controlled thread has not ended: the
//   schedule ends in `deadlock`. More than the step bound of spin steps
//   (the points without progress: a yield, a try-lock or sem_trywait that
//   failed, a timeout taken, an atomic polled again with no other thread
//   running meanwhile; note_spin), or more than max_steps points in all:
//   `step-bound-exceeded`. A finding the detector reports in a
//   controlled thread: the schedule fails with it (it runs on to its end).
//   A deadlocked or abandoned schedule's threads park forever (their stacks
//   and the objects they hold stay valid); the schedule is over for the driver.
// - Hand-off: the turn word of the next thread is set and, if that thread
//   sleeps on it, woken with one futex call; a thread waiting for its turn
//   spins briefly (the next thread is known when the decision is made, so a
//   hand-off to a spinning thread costs no system call) and then sleeps.
// - Threads the scheduler does not control (the driver, the watchdog,
//   threads started before the exploration) run freely and are never
//   scheduling points.
// Thread safety: the scheduler's state is touched only by the thread that
// holds the turn, or by the driver while no schedule runs; the turn's
// release/acquire hand-off orders every access.
#pragma once

#include <pthread.h>
#include <semaphore.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "concheck/detector/finding.hpp"
#include "concheck/detector/wait_for_graph.hpp"

namespace concheck::detail::explore {

struct controlled_thread;

// The calling thread's control block while it is controlled, else null.
extern __thread controlled_thread* tls_controlled __attribute__((tls_model("initial-exec")));

inline bool controlled() noexcept {
  return tls_controlled != nullptr;
}

// What a scheduling point is; recorded with each decision (replay
// divergence messages name it).
enum class point_kind : std::uint8_t {
  lock,
  unlock,
  notify,
  semaphore,
  thread_create,
  thread_join,
  thread_exit,
  yield,
  sleep,
  wait,
  access,   // memory accesses and atomics (race detection)
  barrier,  // pthread_barrier_wait
  futex,    // a futex wait or wake through syscall() (std::atomic::wait, std::latch, ...)
  io,       // poll, epoll_wait, select, a read or accept that may block (interpose_io.cpp)
};
const char* to_string(point_kind kind) noexcept;

// A strategy chooses among the enabled choices at each scheduling point.
// `enabled` lists thread indices: first the `runnable` threads (creation
// order within the schedule), then the timeout candidates (blocked threads
// whose timed wait may end now). `current` is the index of the thread at the
// point (-1 if it cannot go on). Letting time pass while a thread could run
// is a choice strategies take sparingly: a polling loop (`while
// (!wait_for(...))`) must not starve the thread it waits for.
class strategy {
 public:
  virtual ~strategy() = default;
  // A new schedule starts.
  virtual void begin_schedule() = 0;
  // Returns an element of `enabled` (never empty).
  virtual int choose(const std::vector<int>& enabled, std::size_t runnable, int current,
                     std::uint64_t step) = 0;
  // A thread was created with index `index` (PCT gives it a priority).
  virtual void thread_created(int /*index*/) {}
  // The schedule is over; false when the strategy has no further schedule
  // (bounded search exhausted its space).
  virtual bool end_schedule() { return true; }
  // The one-line replay token of the schedule that just ran.
  virtual std::string token() const = 0;
};

// How a schedule ended.
struct schedule_outcome {
  bool failed = false;
  std::optional<detector::finding> finding;  // set when failed
  std::uint64_t steps = 0;
  std::uint64_t spins = 0;               // the steps without progress among them
  std::vector<std::uint16_t> decisions;  // the thread chosen at each step
  std::vector<point_kind> kinds;         // the point of each step
};

// Runs `body` once as controlled thread T0 in a fresh real thread while the
// calling (driver) thread waits, with `chooser` deciding; `step_bound` caps
// the spin steps and `max_steps` all scheduling points, and a thread that reaches none for `stall_ms` of
// its own time (stall_meter.hpp) ends the schedule as `step-bound-exceeded`. One schedule at a
// time per process; the driver is not a controlled thread.
// Whether a thread waiting for its turn may spin first: only when the
// calling thread may use more than one CPU (its schedules' threads inherit
// that). Call it after changing the CPU affinity, before run_schedule.
void check_cpus() noexcept;
schedule_outcome run_schedule(strategy& chooser, std::uint64_t step_bound, std::uint64_t max_steps,
                              void (*body)(void*), void* context, std::uint64_t stall_ms);

// Process mode (`concheck run`, docs/explore.md): the calling thread (the
// program's main thread, at load time) becomes T0 of one schedule that
// `chooser` decides; the schedule is the rest of the process. There is no
// driver: a deadlock or an exceeded step bound is reported as a fatal
// finding (the process ends with `exitcode`), every finding carries
// `token` as its replay token and ends the process, and a watch thread
// reports a thread that reaches no scheduling point for `stall_ms` (of its
// own time: stall_meter.hpp), and a schedule still running `time_limit_ms`
// of real time after it began (0: no limit; `concheck run --timeout`), with
// how far it got, so that the program's output so far is kept.
void begin_process_schedule(strategy* chooser, std::uint64_t step_bound, std::uint64_t max_steps,
                            std::uint64_t stall_ms, std::uint64_t time_limit_ms, const char* token) noexcept;
// The replay token of the process schedule, or null outside process mode.
const char* process_token() noexcept;
// Process mode: the choices of every step so far, one line:
// "<current>/<runnable>.<runnable>...|<timeout>..." per step, separated by spaces
// (current -1 when the thread at the point could not go on). `concheck run`
// drives a bounded search over processes with them.
std::string process_choices();
// Scheduling points taken so far in the process schedule.
std::uint64_t process_steps() noexcept;

// Crash reports: between install_crash_reporter() and remove_crash_reporter()
// a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: a failed assert)
// in a controlled thread first writes which thread crashed, the replay
// token of the schedule and the thread's stack (`token`, set per schedule; null: the decisions so
// far), then dies as it would have (the previous disposition, re-raised).
void install_crash_reporter() noexcept;
void remove_crash_reporter() noexcept;
void set_crash_token(const char* token) noexcept;

// ---- Called by the interposed functions, in controlled threads only ----

// A scheduling point: the scheduler may run other threads before returning.
void point(point_kind kind) noexcept;

// Points that may be a polling loop's steps: an instrumented access at
// `address` (race/explore_access.hpp; atomics are what loops poll) and
// sched_yield. A thread that makes kSpinRepeats more of them on one atomic
// location (or yields that often) with no other thread running meanwhile
// (its other points, such as the lock and unlock around a check, do not
// matter) gives the turn to another thread whenever one can run: otherwise
// a strategy that keeps the current thread running (DFS without a
// preemption, PCT's highest priority) would never end such a schedule.
// Fewer repeats are ordinary points, so a single yield may still go on.
// Once it has given way, a thread gives way at each of its polls (until it
// polls another atomic location) and is left out of the choices until each
// thread that could run at that moment has run or can no longer run, unless
// nothing else can run (CHESS's fair rule: Musuvathi and Qadeer, PLDI 2008).
// Every yield, and every repeat on one atomic, is a spin step.
inline constexpr std::uint32_t kSpinRepeats = 8;
// Fairness for long runs (docs/explore.md, "Long schedules and livelocks"):
// a thread that went on this many scheduling points in a row while another
// thread could run gives way once, as a polling thread does (the others run
// before it is chosen again). Not a spin step: such a run is progress.
inline constexpr std::uint64_t kFairQuantum = 10000;
void access_point(std::uintptr_t address, bool atomic) noexcept;
// The calling controlled thread's try-lock or sem_trywait failed: a spin
// step (no progress). No-op outside a controlled thread.
void note_spin() noexcept;
void yield_point() noexcept;
inline constexpr std::uintptr_t kYieldKey = 1;  // sched_yield's key (no object has this address)

// Blocks the calling thread on `object` (registered as a wait of `kind` on
// `target` for reports) until wake_all/wake_one on it, or, when `timed`,
// until the scheduler times it out (virtual clock at `deadline_ns`). True if
// it timed out.
bool block_on(const void* object, detector::wait_kind kind, std::uint64_t target, bool timed,
              std::int64_t deadline_ns, std::uintptr_t pc) noexcept;
// Makes the threads blocked on `object` runnable (they retry). wake_one: the
// one that blocked first. Return how many were woken.
int wake_all(const void* object) noexcept;
int wake_one(const void* object) noexcept;

// The calling controlled thread acquired the lock whose scheduler key is
// `key` (lock_key) exclusively. The threads an unlock of it made runnable
// that have not run since could only fail their retry: they are blocked on
// it again, as they were, until the next unlock (a blocked thread is not
// runnable, docs/event-model.md). Not for locks another process or an
// uncontrolled thread may release.
void lock_acquired(const void* key) noexcept;
// The same for a shared acquisition (a reader of a reader-writer lock): it
// is recorded as held shared, and no waiter is blocked again (a waiting
// reader's retry may succeed).
void lock_acquired_shared(const void* key) noexcept;
// The calling controlled thread released the lock `key` (after the real
// unlock), in whichever mode it held it. With lock_acquired and
// lock_acquired_shared, the scheduler knows which controlled threads hold
// which lock in which mode (recursive acquisitions counted).
void lock_released(const void* key) noexcept;
// The scheduling point of a blocking acquisition of lock `key` (null: not
// known yet), `shared` for a reader's. While another controlled thread
// holds that lock in a mode that excludes this one (a writer excludes all,
// a reader excludes writers), the calling thread is not offered as a
// choice: its attempt could only fail and block it. If nothing else can run
// (a deadlock), it goes on without a decision, fails and blocks, so that
// its wait is registered for the report. A thread that holds the lock
// itself is offered (its own deadlock must be seen).
void lock_point(const void* key, bool shared = false) noexcept;
// The scheduling point of an untimed sem_wait on `semaphore`: while its
// count is 0 the calling thread is not offered, as lock_point. (A timed
// wait is offered: once blocked, its timeout is a choice.)
void semaphore_point(sem_t* semaphore) noexcept;
// The calling controlled thread took a count of `semaphore` (a sem_wait or
// sem_trywait that succeeded). If the count is now 0, the waiters a post
// woke that have not run since could only fail their retry: they are
// blocked on it again, as lock_acquired does.
void semaphore_taken(sem_t* semaphore) noexcept;
// The calling controlled thread's next step, once it runs, is to take lock
// `key` (null: none): a condition-variable wait re-acquires its mutex. A
// notify that wakes it while another thread holds the mutex (the notifier,
// usually) leaves it out of the choices until the mutex is released, as
// lock_point does.
void await_lock(const void* key) noexcept;

// pthread_barrier_wait of a controlled thread on `barrier`, whose round
// takes `count` threads: the arrivals are counted by the schedule (the real
// barrier is not used while controlled threads wait on it), the thread that
// completes a round wakes the others and gets true
// (PTHREAD_BARRIER_SERIAL_THREAD), the others block until then. Each
// schedule counts from zero.
bool barrier_arrive(const void* barrier, unsigned count, std::uintptr_t pc) noexcept;

// ---- Pipes, sockets and event fds (interpose_io.cpp; docs/explore.md,
// "Pipes, sockets and event fds") ----
// How a wait for I/O ended.
enum class io_wake : std::uint8_t {
  retry,      // another controlled thread wrote, closed, connected or read (io_progress): probe again
  timed_out,  // the scheduler let virtual time reach the deadline
  outside,    // nothing in the schedule can run: only another process, the network or a thread
              // concheck does not control can answer; the caller waits for real
};
// The calling controlled thread's probe of `call` (poll, epoll_wait, read,
// ...) found nothing ready: blocks it until another controlled thread's
// io_progress, or, when `timed`, until the scheduler lets virtual time reach
// `deadline_ns` (a timeout is a choice like a timed wait's). When no thread
// of the schedule can run and no timeout can be taken, the earliest such
// waiter gets the turn back with `outside`, without a decision (there is no
// choice): it then waits in the kernel between outside_io_begins and
// outside_io_ends, holding the turn, and the stall watch names `call`.
io_wake block_on_io(const char* call, bool timed, std::int64_t deadline_ns, std::uintptr_t pc) noexcept;
void outside_io_begins(const char* call) noexcept;
void outside_io_ends() noexcept;
// A controlled thread wrote, closed, shut down, connected, or read (making
// room for a writer): every thread in block_on_io probes again. Not a
// scheduling point; a no-op outside a controlled thread.
void io_progress() noexcept;
// The scheduling point of a probe that does not block (a zero timeout, a
// non-blocking descriptor): a polled point (a repeat with no other thread
// running meanwhile is a spin step, and kSpinRepeats of them give way).
void io_poll_point() noexcept;
inline constexpr std::uintptr_t kIoPollKey = 2;  // io_poll_point's key (no object has this address)

// The virtual clock, in nanoseconds; starts at the same value in every schedule.
std::int64_t now_ns() noexcept;

// Thread lifecycle. prepare_child (in a controlled parent, before the real
// pthread_create) makes the child's control block with concheck's thread id
// `monitor_id`, reserved for it (reserve_thread_id); child_created records
// its handle (or, when the creation failed, forgets the block: handle null)
// and returns at once: the parent does not wait for the kernel to start the
// child.
controlled_thread* prepare_child(std::uint64_t monitor_id) noexcept;
void child_created(controlled_thread* child, const pthread_t* handle) noexcept;
// First thing in the new thread, once it has its record (whenever the
// kernel starts it): waits for its first turn.
void child_begins(controlled_thread* child) noexcept;
// In the controlled thread's last moments (after its TLS destructors): it is
// done; joiners wake, the turn goes on, and the thread runs on uncontrolled.
void thread_ends() noexcept;
// The control block of the controlled thread `handle` in this schedule, or null.
controlled_thread* find_controlled(pthread_t handle) noexcept;
bool has_ended(const controlled_thread* thread) noexcept;
int index_of(const controlled_thread* thread) noexcept;
// concheck's thread id of `thread`.
std::uint64_t monitor_id_of(const controlled_thread* thread) noexcept;

// Around building a report in a controlled thread (symbolization can take
// seconds the first time on a loaded machine): meanwhile the stall watch
// does not take the thread for one that spins (as while a deadlock is
// described). Nestable; no-ops outside a controlled thread.
void report_begins() noexcept;
void report_ends() noexcept;
// report_begins() for the lifetime of the object.
struct report_scope {
  report_scope() noexcept { report_begins(); }
  ~report_scope() { report_ends(); }
  report_scope(const report_scope&) = delete;
  report_scope& operator=(const report_scope&) = delete;
};

// A finding reported in a controlled thread: the schedule fails with it
// (the first one wins) and goes on. True if it was taken.
bool capture_finding(const detector::finding& finding) noexcept;
// True while a schedule runs (any thread may ask).
bool exploring() noexcept;

}  // namespace concheck::detail::explore
