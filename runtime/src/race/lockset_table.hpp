// concheck runtime, race engine: interned locksets. INTERNAL.
//
// A lockset (the lock ids a thread holds) is interned as a u32: 0 is the
// empty set; a single lock whose id is below 2^31 - the common case, one
// mutex held - is the id with the top bit set, no table involved (each
// acquisition of one of many locks would otherwise take the table's lock);
// other values index a table of sorted id arrays. Shadow cells and reports
// carry the u32. Interning hashes the sorted ids (O(n log n + n), n locks
// held, under the table lock); the intersection of two interned sets is
// cached by pair, so the per-location candidate set (Eraser's) costs one
// table lookup, and none when both sides are equal or one is empty.
// Threads cache their own add/remove transitions (race_context.hpp), so
// lock and unlock rarely reach this table. Memory: every distinct set ever
// held, never freed (programs hold few distinct sets).
#pragma once

#include <cstddef>
#include <cstdint>

namespace concheck::race {

// The interned id of `ids[0..count)` (any order, duplicates kept as one);
// 0 for an empty set or if memory runs out. Caller under inside_scope.
std::uint32_t intern_lockset(const std::uint64_t* ids, std::size_t count) noexcept;
// Number of distinct sets in the table: two locks or more (statistics).
std::uint32_t locksets_interned() noexcept;
void lockset_table_after_fork() noexcept;  // frees the table lock (fork child)

}  // namespace concheck::race
