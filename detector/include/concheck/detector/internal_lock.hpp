// concheck's own lock: the one lock type that guards the detector's and the
// runtime's internal state. INTERNAL: shared by detector/ and runtime/, not
// installed; may change.
//
// Algorithm: a futex mutex (Drepper, "Futexes are tricky", mutex #2): the word
// is 0 free, 1 locked, 2 locked with waiters. lock() tries one compare-exchange,
// spins up to 100 times (pause) while the holder is likely to finish soon, then
// marks the word 2 and sleeps in FUTEX_WAIT; unlock() exchanges in 0 and wakes
// one sleeper only if the word was 2. Cost: uncontended lock and unlock are one
// atomic read-modify-write each, no system call.
//
// Unlike std::mutex it never calls a pthread function or the allocator, so it
// is safe inside concheck's interposed pthread functions (taking it cannot
// recurse into them or show up in a report), before main, after fork and during
// static destruction, and a global one is constant-initialized (constinit).
// Not recursive. The code holding one never calls user code, listeners or
// emit_finding.
//
// Lock order. Every lock is declared with a rank (lock_rank below, the one
// place the order is written down; docs/design.md explains it). A thread may
// acquire a lock only while every lock it holds has a lower rank, so two of
// concheck's own locks can never deadlock. Builds with CONCHECK_CHECK_LOCK_ORDER
// set (by default: without NDEBUG; the sanitizer build sets it too) check this
// on every acquisition and abort with a message naming both locks; release
// builds check nothing. try_lock() may break the order (it cannot block), but
// what it takes counts as held. Clang's -Wthread-safety checks the annotated
// uses (thread_annotations.hpp) at compile time.
#pragma once

#include <linux/futex.h>

#include <atomic>
#include <cstdint>

#include "concheck/detector/raw_futex.hpp"
#include "concheck/detector/thread_annotations.hpp"

#ifndef CONCHECK_CHECK_LOCK_ORDER
#ifdef NDEBUG
#define CONCHECK_CHECK_LOCK_ORDER 0
#else
#define CONCHECK_CHECK_LOCK_ORDER 1
#endif
#endif

namespace concheck::detail {

// The order of concheck's internal locks, first taken first. A lock may be
// taken while holding only locks listed above it.
enum class lock_rank : std::uint8_t {
  // runtime/src/thread_registry.cpp: thread records, names, the free list.
  // Taken first by the fork handlers (runtime_core.cpp), which then take the
  // two below.
  thread_registry = 1,
  // runtime/src/lock_registry.cpp: lock records and the address table.
  lock_table,
  // detector/src/monitor.cpp: the lock-order graph, its edges and the
  // (one per monitor).
  monitor,
  // runtime/src/registry_dump.cpp: condition-variable names for reports.
  cv_names,
  // runtime/src/symbolize.cpp: the symbolizer's state and cache (report time).
  symbolizer,
  // runtime/src/report_sink.cpp: dedup keys, suppressions, the log, listeners.
  // Its holder takes no other lock.
  report_sink,
  // runtime/src/lock_names.cpp: the cache of source lines that name locks
  // (report time). A leaf: its holder takes no other lock.
  source_lines,
  // runtime/src/runtime_core.cpp: creating the monitor, which may happen
  // under any lock above; its holder takes no other lock.
  monitor_create,
  // runtime/src/race/race_heap.cpp: one shard of the heap-block table. Its
  // holder takes no other lock.
  race_heap,
  // runtime/src/race/access_summary.cpp: the records of freed blocks. Its
  // holder takes no other lock.
  race_summary,
  // detector/src/cv_bindings.cpp: one stripe of the monitor's
  // condition-variable bindings. Its holder takes no other lock.
  cv_bindings,
};

// The debug check's bookkeeping, per thread (defined in detector/src/
// internal_lock.cpp, compiled in every build so a test can enable the check
// in its own translation unit).
namespace lock_order {
// Before a blocking acquisition: aborts if the thread holds a lock of equal or
// higher rank.
void check_acquire(lock_rank rank, const void* lock) noexcept;
// After any acquisition: `lock` now counts as held.
void note_acquired(lock_rank rank, const void* lock) noexcept;
// On release, or when a forked child resets a lock: no longer held.
void note_released(const void* lock) noexcept;
// The name of a rank, for messages.
const char* rank_name(lock_rank rank) noexcept;
}  // namespace lock_order

// Checked and unchecked builds of the lock are different types (the inline
// namespace is in their mangled names), so a test that enables the check in
// its own translation unit cannot pick up the library's unchecked copy.
#if CONCHECK_CHECK_LOCK_ORDER
inline namespace order_checked {
#else
inline namespace order_unchecked {
#endif

class CONCHECK_CAPABILITY("mutex") internal_lock {
 public:
  constexpr explicit internal_lock(lock_rank rank) noexcept : rank_(rank) {}
  internal_lock(const internal_lock&) = delete;
  internal_lock& operator=(const internal_lock&) = delete;

  void lock() noexcept CONCHECK_ACQUIRE() {
#if CONCHECK_CHECK_LOCK_ORDER
    lock_order::check_acquire(rank_, this);
#endif
    int expected = 0;
    if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) lock_slow();
#if CONCHECK_CHECK_LOCK_ORDER
    lock_order::note_acquired(rank_, this);
#endif
  }

  bool try_lock() noexcept CONCHECK_TRY_ACQUIRE(true) {
    int expected = 0;
    if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) return false;
#if CONCHECK_CHECK_LOCK_ORDER
    lock_order::note_acquired(rank_, this);
#endif
    return true;
  }

  void unlock() noexcept CONCHECK_RELEASE() {
#if CONCHECK_CHECK_LOCK_ORDER
    lock_order::note_released(this);
#endif
    if (state_.exchange(0, std::memory_order_release) == 2) {
      raw_futex(&state_, FUTEX_WAKE_PRIVATE, 1, nullptr);
    }
  }

  // In a forked child only: the thread that held the lock at fork() may not
  // exist there. Leaves the lock free; returns whether it was held (so the
  // state it guards may be half-updated).
  bool reset_after_fork() noexcept {
#if CONCHECK_CHECK_LOCK_ORDER
    lock_order::note_released(this);
#endif
    return state_.exchange(0, std::memory_order_relaxed) != 0;
  }

  lock_rank rank() const noexcept {
    return rank_;
  }

 private:
  void lock_slow() noexcept {
    for (int spin = 0; spin < 100; ++spin) {
      int expected = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(expected, 1, std::memory_order_acquire)) {
        return;
      }
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    while (state_.exchange(2, std::memory_order_acquire) != 0) {
      raw_futex(&state_, FUTEX_WAIT_PRIVATE, 2, nullptr);
    }
  }

  std::atomic<int> state_{0};
  const lock_rank rank_;
};

// Holds an internal_lock for a scope (std::lock_guard would do, but this keeps
// <mutex> and its annotations-free types out of the internals).
class CONCHECK_SCOPED_CAPABILITY internal_guard {
 public:
  explicit internal_guard(internal_lock& lock) noexcept CONCHECK_ACQUIRE(lock) : lock_(lock) { lock_.lock(); }
  ~internal_guard() CONCHECK_RELEASE() { lock_.unlock(); }
  internal_guard(const internal_guard&) = delete;
  internal_guard& operator=(const internal_guard&) = delete;

 private:
  internal_lock& lock_;
};

}  // inline namespace

}  // namespace concheck::detail
