// concheck runtime, race engine: the clocks of synchronization objects. INTERNAL.
//
// A sync object (mutex, condition variable, semaphore, atomic variable...)
// is known by its address and carries a vector clock from its first release.
// Storage: 64 shards, each an ordered map address -> clock under its own
// spin lock; the shard is chosen by a hash of the address's 64-byte line, so
// objects next to each other (a queue's mutex and its two condition
// variables, which every hand-off through the queue releases) take distinct
// shards and locks; with the shard chosen by the 64 KiB region, every
// condition variable of a program's queues shared one. Keys with bit 63 set
// are ids, not addresses (lock ids, race_sync.cpp): no range covers them, so
// they go to a hash table in their shard instead (id_clock_table.hpp).
// Cost of an acquire or release: one shard lock, an O(log n) lookup (O(1)
// for ids), O(width) join.
// Forgetting a range (a freed block, at every free): a count of the address
// clocks per hashed 4 KiB page, read without a lock, answers "none here" for
// almost every block at one load per page; otherwise each 64-byte line of a
// range under 4 KiB visits its shard, a larger range every shard once:
// O(lines or shards x log n + k). A clock created in memory while another
// thread frees it is a use after free of the program's; for everything else
// the count a freeing thread reads includes every clock released before the
// free (the program's synchronization orders the two).
// Memory: one node and one clock per live sync object, and the counts
// (16 KiB); dropped by forget / forget_range. Callers run under
// inside_scope (maps allocate).
#pragma once

#include <cstddef>
#include <cstdint>

#include "race/vector_clock.hpp"

namespace concheck::race {

enum class sync_merge {
  acquire,        // into += object           (the object may be missing)
  release_store,  // object = from
  release_merge,  // object += from
};
// Applies `how` between the object's clock at `address` and `clock`; returns
// false when an acquire found no clock.
bool sync_apply(std::uintptr_t address, vector_clock& clock, sync_merge how) noexcept;
void sync_forget(std::uintptr_t address) noexcept;
void sync_forget_range(std::uintptr_t begin, std::uintptr_t end) noexcept;
std::uint64_t sync_clock_count() noexcept;
// The shard (0..63) whose lock guards the clock of `address` (tests: objects
// on distinct 64-byte lines should not share one).
std::size_t sync_shard_of(std::uintptr_t address) noexcept;
void sync_clocks_after_fork() noexcept;  // frees the shard locks (fork child)

}  // namespace concheck::race
