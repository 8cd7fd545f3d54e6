// concheck runtime, race engine: thread slots and ended threads' clocks. INTERNAL.
//
// A slot is a thread's index in every vector clock and the slot field of its
// epochs. At most kMaxSlots (32767) threads hold one at once. A thread's slot
// is freed when it ends (thread_exit). A starting thread takes a freed slot
// only if its starting clock has seen the old owner's end (the creator joined
// it, directly or through other synchronization): the new owner continues
// the slot's clock at the old owner's last value + 1, and since every access
// of the old owner happens before the new one starts, judging them by the
// shared clock entry is exact. Otherwise it takes a fresh slot, so two
// threads that merely did not overlap in time (the first ended before the
// second started, nobody joined) keep distinct slots and still race. Memory
// and clock width stay bounded by the threads alive at once plus the ended
// threads nobody joined. Only when all slots are taken is a freed slot reused
// regardless (the new owner then looks ordered after the old owner's
// accesses: a race between the two missed, never a false one).
// Per slot the table keeps its current and previous owner (concheck thread
// ids, with the clock each started at) and a ring of its last 64 lockset
// changes (clock at which a lockset became current), so a report can name
// the thread and the locks held of an earlier access known only by its epoch.
// Cost: claim and release O(1) under the slot lock; lookups O(64), lock-free
// (report time only; a concurrent change may give a stale answer).
// Memory: ~100 bytes of .bss per slot ever used plus 1 KiB of history.
//
// Ended threads' final clocks wait in a table keyed by thread id until a
// joiner takes them (thread_join) or the thread is known detached.
#pragma once

#include <cstdint>

#include "race/vector_clock.hpp"

namespace concheck::race {

struct slot_claim {
  std::uint32_t slot = 0;
  std::uint64_t first_clock = 0;  // the new owner's first clock value
  bool ok = false;                // false: all slots taken
};
// `start`: the clock the thread starts with (its creator's), or null (a
// thread adopted without one: it gets a fresh slot unless none is left).
slot_claim claim_slot(std::uint64_t thread_id, const vector_clock* start) noexcept;
void release_slot(std::uint32_t slot, std::uint64_t last_clock) noexcept;
// The slot now belongs to `thread_id` (thread_start after a lazy claim).
void rename_slot_owner(std::uint32_t slot, std::uint64_t thread_id) noexcept;

// The thread that owned `slot` at `clock` (0 if unknown).
std::uint64_t slot_thread(std::uint32_t slot, std::uint64_t clock) noexcept;
// The owner of `slot` holds `lockset` from `clock` on (owner only).
void note_slot_lockset(std::uint32_t slot, std::uint64_t clock, std::uint32_t lockset) noexcept;
// The lockset `slot`'s owner held at `clock` (0 if unknown or empty).
std::uint32_t slot_lockset(std::uint32_t slot, std::uint64_t clock) noexcept;

struct slot_stats {
  std::uint32_t live = 0;        // slots held now
  std::uint32_t high_water = 0;  // slots ever used = the widest a clock can be
};
slot_stats get_slot_stats() noexcept;

// Ended threads (callers under inside_scope: these allocate).
void keep_final_clock(std::uint64_t thread_id, vector_clock&& clock) noexcept;
// Moves the thread's final clock into `out`; false if none is kept.
bool take_final_clock(std::uint64_t thread_id, vector_clock& out) noexcept;
// A detached thread: its final clock is dropped now if kept, or never kept.
void forget_final_clock(std::uint64_t thread_id) noexcept;
std::uint64_t final_clocks_kept() noexcept;
void thread_slots_after_fork() noexcept;  // frees the slot and final-clock locks (fork child)

}  // namespace concheck::race
