// concheck runtime: the thread registry. INTERNAL.
//
// One record per live thread: concheck's id (T0 is the main thread), name,
// creation site, the monitor's per-thread state (held locks, edge cache) and
// what the thread is blocked on. The calling thread's record is in an
// initial-exec TLS slot, so the hot path finds it with one load. Threads that
// concheck did not see start (created before it was loaded, or by raw clone)
// are adopted on their first event.
//
// Storage: records are allocated once and never freed; a dead thread's record
// goes on a free list and is reused, so memory is bounded by the largest
// number of threads alive at once. All records are on one singly linked list
// that only grows at its head (release store), so other threads can walk it
// with no lock (to build wait-for snapshots and dumps); fields they read are
// atomics guarded by the owner's seqlock (monitor_thread::sequence()).
// Locking: the registry lock (an internal_lock) serializes allocation, reuse,
// naming and fork; never held while calling user code or reporting.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <source_location>
#include <string>

#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/monitor.hpp"
#include "concheck/detector/wait_for_graph.hpp"
#include "stack_depot.hpp"

namespace concheck::detail {

struct thread_record {
  explicit thread_record(std::uint64_t id) noexcept : state(id) {}

  detector::monitor_thread state;

  // What the thread is blocked on; written by the owner between
  // state.begin_change() and state.end_change().
  std::atomic<detector::wait_kind> wait_kind{detector::wait_kind::none};
  std::atomic<std::uint64_t> wait_target{0};
  std::atomic<bool> wait_shared{false};
  std::atomic<bool> wait_timed{false};
  std::atomic<std::uintptr_t> wait_pc{0};
  std::atomic<stack_id> wait_stack{kNoStack};  // full stack of the wait (captured when it starts)

  std::atomic<bool> alive{false};
  pthread_t handle{};
  int tid = 0;  // kernel thread id (glibc's mutex __owner)
  std::uint64_t parent = 0;
  stack_id created = kNoStack;         // stack at pthread_create
  const char* created_file = nullptr;  // or a source_location from concheck::thread
  const char* created_function = nullptr;
  int created_line = 0;
  char name[64] = {};  // guarded by the registry lock

  thread_record* next = nullptr;       // the list of all records
  thread_record* next_free = nullptr;  // the free list (registry lock)
};

// The calling thread's record (null until its first event) and the
// reentrancy depth: while > 0, interposed functions forward straight to the
// real ones (concheck's own locking, allocation and reporting).
// The depth is also what keeps a signal handler's lock calls from corrupting
// the thread's bookkeeping (docs/design.md, Hard cases, "Signal handlers"):
// every change to the calling thread's record (held locks, wait state) is
// made with the depth > 0, so a handler that interrupts one forwards its lock
// calls to the real functions, unrecorded, and the interrupted change
// completes once, as if the handler had not run. A handler sees the depth
// its interrupted code had, constant while it runs (its own hooks restore
// it), so its lock and unlock are either both recorded or both not.
extern __thread thread_record* tls_thread __attribute__((tls_model("initial-exec")));
extern __thread int tls_inside __attribute__((tls_model("initial-exec")));

// The signal fences keep the compiler from moving the guarded accesses out
// of the scope (a handler runs between any two instructions); they emit no
// instruction.
class inside_scope {
 public:
  inside_scope() noexcept {
    ++tls_inside;
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  ~inside_scope() {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    --tls_inside;
  }
  inside_scope(const inside_scope&) = delete;
  inside_scope& operator=(const inside_scope&) = delete;
};

// Creation data a new thread's record starts with (set by our pthread_create).
struct thread_origin {
  std::uint64_t parent = 0;
  stack_id created = kNoStack;
  const char* file = nullptr;
  const char* function = nullptr;
  int line = 0;
  char name[64] = {};
  // Explore mode: the id its creator reserved (reserve_thread_id), so a
  // controlled thread's id follows the schedule whenever the kernel starts
  // it; 0: take the next id when it starts.
  std::uint64_t reserved_id = 0;
};

// A thread id for a thread about to be created (thread_origin::reserved_id).
std::uint64_t reserve_thread_id() noexcept;

// The calling thread's record, adopting the thread if needed. Null only if a
// record cannot be made (out of memory); callers then forward uninstrumented.
inline thread_record* current_thread() noexcept;
thread_record* adopt_current_thread(const thread_origin* origin) noexcept;

// The first record of the list of all records (check `alive`).
thread_record* first_thread_record() noexcept;
// The live record whose pthread_t is `handle`, or null.
thread_record* find_thread(pthread_t handle) noexcept;
std::size_t live_thread_count() noexcept;

// The calling thread is ending (TLS destructors done): thread-exit checks,
// then its record is recycled.
void end_current_thread() noexcept;

// Threads in transition, which can still make progress although no live
// record shows them running: threads created but not yet started (their
// record is made when they start), and threads that left the registry but
// still run (later TLS destructors, glibc's teardown). The watchdog treats
// them as running, so "every live thread is blocked" is never concluded
// while one of them may still wake a waiter or end a join.
// Exiting threads are kept by kernel tid in a fixed table of 256 slots
// (lock-free CAS; a thread that finds it full is not tracked); a slot is freed
// when the kernel no longer knows the tid (tgkill signal 0 gives ESRCH), when
// a join of that thread returns, or when a thread with that tid is adopted
// (a reused tid, or the same thread back through a later TLS destructor). Cost: O(256) plus one syscall per
// occupied slot per call.
void note_thread_starting() noexcept;
void note_thread_started() noexcept;  // also on a failed pthread_create
// A join of `handle` succeeded: that thread has ended.
void forget_exiting_thread(pthread_t handle) noexcept;
bool threads_in_transition() noexcept;
// Bumped whenever a thread joins or leaves the registry: a watcher that sees
// the same value twice knows no thread came or went in between.
std::uint64_t thread_generation() noexcept;

// What reports need about a thread that may have ended since: live records
// first, then a ring of the last 4096 ended threads. False if unknown.
struct thread_info {
  std::string name;
  stack_id created = kNoStack;
  const char* created_file = nullptr;
  const char* created_function = nullptr;
  int created_line = 0;
};
bool find_thread_info(std::uint64_t id, thread_info& out);

// Names (copies, truncated to 63 bytes).
void set_thread_name(thread_record* thread, const char* name) noexcept;
std::string thread_name(const thread_record* thread);

// Wait state (owner only). begin_wait captures the stack (waits are slow paths).
// `capture`: take the full stack now (else only `pc`; see note_wait_stack).
void begin_wait(thread_record* self, detector::wait_kind kind, std::uint64_t target, bool shared, bool timed,
                std::uintptr_t pc, bool capture = true) noexcept;
// Captures the stack of the wait in progress (a lock wait that lasts).
void note_wait_stack(thread_record* self) noexcept;
void end_wait(thread_record* self) noexcept;

// Ends the wait begun on `self` (if not null) on every way out of a scope,
// the unwinding of a pthread_cancel in the wait included: a cancelled
// thread runs its cleanup handlers as a running thread, not still shown
// waiting (docs/design.md, Hard cases, cancellation).
class wait_end_guard {
 public:
  explicit wait_end_guard(thread_record* self) noexcept : self_(self) {}
  ~wait_end_guard() {
    if (self_ != nullptr) end_wait(self_);
  }
  wait_end_guard(const wait_end_guard&) = delete;
  wait_end_guard& operator=(const wait_end_guard&) = delete;

 private:
  thread_record* self_;
};

internal_lock& registry_lock() noexcept;
// fork(): the child keeps only the calling thread; what the others held is
// recorded first (fork_holders.hpp), and they stay known to reports as ended.
void registry_after_fork_child() noexcept;
// Called once at load time (pthread key for thread exit, main thread adoption).
void registry_init() noexcept;

inline thread_record* current_thread() noexcept {
  thread_record* self = tls_thread;
  if (__builtin_expect(self != nullptr, 1)) return self;
  return adopt_current_thread(nullptr);
}

}  // namespace concheck::detail
