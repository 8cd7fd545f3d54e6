// concheck runtime: race detection, the interface between its three parts.
// INTERNAL.
//
//   hooks        tsan_hooks_*.cpp: the __tsan_* entry points that code compiled
//                with -fsanitize=thread calls (accesses, atomics, calls,
//                memory intrinsics), translated into the calls below.
//   engine       race_engine.cpp and its helpers (shadow_memory, vector_clock,
//                sync_clocks, thread_slots): happens-before over shadow
//                memory, FastTrack-style (docs/race-engine.md states the algorithm,
//                its cost and memory).
//   integration  race_sync.cpp, race_heap.cpp, race_report.cpp,
//                access_summary.cpp: the runtime's synchronization events
//                (interpose_*.cpp) as acquire/release, heap tracking, the
//                data-race finding and the per-location summary.
//
// Race detection is off until instrumented code runs its module constructor
// (__tsan_init) or a concheck::shared<T> / CONCHECK_READ annotation is used;
// while off, every entry below returns after one relaxed load, so programs
// that are not instrumented pay nothing else.
//
// Reentrancy: the engine may allocate and lock internally; every entry point
// that can do so runs under detail::inside_scope (thread_registry.hpp), so
// concheck's own locking and allocation inside it are not instrumented. Hooks
// called while detail::tls_inside != 0 (concheck's own code) return at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace concheck::race {

// ---- On / off ---------------------------------------------------------------

extern std::atomic<bool> g_enabled;
inline bool enabled() noexcept {
  return g_enabled.load(std::memory_order_relaxed);
}
// Idempotent. Called by __tsan_init and by the annotations.
void enable() noexcept;

// ---- Accesses (engine) ------------------------------------------------------

// One access of `size` bytes (1..16, any alignment; wider or crossing an
// 8-byte granule is split by the engine) at `address`, made at `pc` (the
// instrumented code's address, __builtin_return_address(0) of the hook).
// `atomic`: an atomic operation's access. Two accesses conflict when they
// overlap, at least one writes and at least one is not atomic.
void read(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept;
void write(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept;
void atomic_access(std::uintptr_t address, std::size_t size, bool is_write, std::uintptr_t pc) noexcept;
// read() from its fast check on: a plain read of 1 to 8 bytes within one
// granule by the calling thread, whose context is `self`, and whose cell its
// caller found mapped and not covering the read (the read hooks' inline
// check, access_fast_path.hpp): no second lookup of the context and the
// cell. `tagged_cell`: the cell's address | its chunk's layout tag (the low
// bits of the chunk's cells word). Requires detection on.
struct thread_context;
void read_past_fast_check(thread_context& self, std::uintptr_t tagged_cell, std::uintptr_t address,
                          std::size_t size, std::uintptr_t pc) noexcept;
// A range (memcpy/memset/memmove, __tsan_read_range): every granule checked.
void read_range(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept;
void write_range(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept;
// The shadow of [address, address+size) forgets every access (freed heap
// blocks, a new thread's stack): reused memory starts clean. Also used to
// collect the per-location records of a freed block first (integration).
void reset_range(std::uintptr_t address, std::size_t size) noexcept;

// ---- Shadow call stack (engine; hooks call it) ------------------------------

// __tsan_func_entry(caller_pc) / __tsan_func_exit(). Bounded depth: deeper
// calls are counted, not stored.
void func_entry(std::uintptr_t caller_pc) noexcept;
void func_exit() noexcept;
// The stack of the current access as a stack-depot id (stack_depot.hpp): `pc`
// then the shadow stack, innermost first. Cached while unchanged.
std::uint32_t current_site(std::uintptr_t pc) noexcept;

// ---- Happens-before (engine; integration and atomics call it) ---------------

// A sync object is any address that carries a clock: a mutex, rwlock,
// condition variable, semaphore, barrier, atomic variable, concheck event.
// acquire: the calling thread's clock joins the object's.
// release: the object's clock becomes the thread's (a lock's unlock; an
//          atomic store with release, which starts a new release sequence).
// release_merge: the object's clock joins the thread's (sem_post, an RMW
//          with release - it continues the release sequence -, cv notify,
//          barrier arrival, rwlock read unlock).
// Both release forms then advance the thread's own clock.
void acquire(const void* sync) noexcept;
void release(const void* sync) noexcept;
void release_merge(const void* sync) noexcept;
// The object is gone (destroyed, or its memory freed): its clock is dropped.
void forget_sync(const void* sync) noexcept;
void forget_sync_range(std::uintptr_t address, std::size_t size) noexcept;

// Fences (C++ [atomics.fences]): an acquire fence acquires what the thread's
// earlier relaxed loads read from; a release fence makes the thread's later
// relaxed stores and RMWs release the clock it had at the fence. seq_cst
// fences are also ordered among themselves.
void fence(std::memory_order order) noexcept;
// An atomic operation's synchronization, by its memory order, together with
// atomic_access. The release side is called BEFORE the operation (so no
// thread can read the value before its clock is published): a store calls
// atomic_store_sync, an RMW atomic_rmw_sync. The acquire side is called
// AFTER the operation: a load, and an RMW too, calls atomic_load_sync.
// (An RMW therefore makes two calls: one call cannot be both before and
// after, and either single place lets an acquirer miss the clock of the
// release it read from, a false race.) A release store merges its clock into
// the object's rather than replacing it (happens_before.cpp says why).
void atomic_load_sync(const void* address, std::memory_order order) noexcept;
void atomic_store_sync(const void* address, std::memory_order order) noexcept;
void atomic_rmw_sync(const void* address, std::memory_order order) noexcept;

// ---- Threads (engine; integration calls it from interpose_thread.cpp) -------

// The creator, before the thread starts: a token with the creator's clock
// (the creator's clock then advances). The new thread, first thing: adopts it.
// A thread never seen starting (the main thread, adopted threads) starts
// with a fresh slot and clock.
using thread_token = void*;
thread_token thread_create() noexcept;
void thread_start(thread_token token, std::uint64_t thread_id) noexcept;
// The ending thread, last: its final clock is kept for joiners, its slot is
// freed for reuse. thread_join: the joiner acquires `thread_id`'s final clock.
// A null token (thread_create while disabled) starts the thread unordered.
void thread_exit() noexcept;
void thread_join(std::uint64_t thread_id) noexcept;
// The thread was detached: nobody will join it, its final clock is not kept
// (or dropped if it has ended already). Without this call an ended detached
// thread's clock (8 bytes per slot) stays until the process ends.
void thread_detached(std::uint64_t thread_id) noexcept;

// fork(): in the child (only the forking thread survives), the engine's
// internal locks are reset; a lock another thread held at fork time would
// otherwise never be released. Called by the runtime's fork handler.
void after_fork_child() noexcept;

// ---- Locks held (integration -> engine) -------------------------------------

// The calling thread took / let go of the lock `lock_id` (concheck's lock id,
// detector::lock_id): the lockset each access records (reports name the locks
// each side held; the summary names the one consistent lock).
void lock_acquired(std::uint64_t lock_id) noexcept;
void lock_released(std::uint64_t lock_id) noexcept;

// ---- A race (engine -> integration: race_report.cpp) ------------------------

struct access_record {
  std::uint64_t thread_id = 0;  // concheck's thread id
  bool is_write = false;
  bool is_atomic = false;
  std::uint8_t size = 0;      // bytes (the overlap within the granule for the earlier access)
  std::uint32_t site = 0;     // stack-depot id of the access (current_site)
  std::uint32_t lockset = 0;  // interned set of lock ids held (lockset_locks)
};
struct race_event {
  std::uintptr_t address = 0;  // first byte both accesses touch
  access_record current;       // the access that found the race
  access_record earlier;       // the conflicting earlier access
};
// Called by the engine, under inside_scope, at most once per racy granule.
// Builds and emits the data-race finding; may dedup further.
void report_race(const race_event& event) noexcept;
// The lock ids of an interned lockset (engine).
void lockset_locks(std::uint32_t lockset, std::uint64_t* out, std::size_t& count,
                   std::size_t capacity) noexcept;

// ---- Per-location records (engine -> access_summary.cpp) -------------------

// What the run did with one 8-byte granule, kept in its shadow: which thread
// used it alone, or that it became shared and how. "Shared" starts at the
// first access by a second thread; from then on every access intersects the
// lockset (Eraser's candidate set, taken over the shared phase only).
enum class sharing : std::uint8_t {
  untouched,     // never accessed (or reset)
  one_thread,    // only `owner` accessed it
  locked,        // shared; every shared-phase access held the locks of `lockset` (non-empty)
  synchronized,  // shared, ordered by other happens-before (hand-off, join, atomics), no common lock
  racy,          // a data race was reported on it
};
struct location_state {
  sharing state = sharing::untouched;
  bool atomic = false;        // some access was atomic
  std::uint64_t owner = 0;    // thread id of the first accessor (one_thread: the only one), modulo 2^27
  std::uint32_t lockset = 0;  // locked: the interned candidate lockset
  std::uint8_t bytes = 0;     // bytes of the granule its last write and reads touched (bit i: byte i)
};
// Calls fn(context, granule_address, state) for every granule in
// [begin, end) whose state is not untouched, in address order. Reads the
// shadow without stopping other threads (a report at exit, or of a freed
// block under reset_range, sees a settled state).
void for_each_location(std::uintptr_t begin, std::uintptr_t end,
                       void (*fn)(void* context, std::uintptr_t granule, const location_state& state),
                       void* context) noexcept;
// Interned lockset intersection (engine), exposed for the summary's merging
// of granules into one variable; 0 is the empty set.
std::uint32_t lockset_intersection(std::uint32_t a, std::uint32_t b) noexcept;

}  // namespace concheck::race
