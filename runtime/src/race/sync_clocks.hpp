// concheck runtime, race engine: the clocks of synchronization objects. INTERNAL.
//
// A sync object (mutex, condition variable, semaphore, atomic variable...)
// is known by its address and carries a vector clock from its first release.
// Storage: 64 shards, each an ordered map address -> clock under its own
// spin lock; the shard is chosen by the address's 64 KiB region, so
// forget_range (a freed block) visits only the shards its regions map to and
// erases a contiguous run in each: O(regions + log n + k). Keys with bit 63
// set are ids, not addresses (lock ids, race_sync.cpp): no range covers
// them, so they go to a hash table in their shard instead (id_clock_table.hpp). Cost of an acquire
// or release: one shard lock, an O(log n) lookup (O(1) for ids), O(width)
// join.
// Memory: one node and one clock per live sync object; dropped by
// forget / forget_range. Callers run under inside_scope (maps allocate).
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
void sync_clocks_after_fork() noexcept;  // frees the shard locks (fork child)

}  // namespace concheck::race
