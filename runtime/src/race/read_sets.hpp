// concheck runtime, race engine: read sets, the read-shared form of R. INTERNAL.
//
// When two reads of one granule overlap and neither happened before the
// other, R cannot hold both as one epoch: it is inflated to the index of a
// read set, the epochs (slot + clock) and sites of the reads that are
// mutually concurrent. A new read prunes the entries that happened before
// it: a later write that races with a pruned read also races with the new
// one (the pruned read is ordered before it), so no race is lost, and the
// set stays as small as the number of truly concurrent readers (FastTrack's
// read vector clock, kept sparse because that number is usually 2-4).
// Storage: 64-byte entries of four inline items (one more heap array beyond), in
// blocks of 4096 mmap'd on demand (never freed; at most 2^28 entries), with
// a free list, and beside each entry its owner: the granule whose R names it
// (8 bytes; 0 once detached or free). Cost: allocation and release O(1)
// under the pool lock; an entry is only read or changed under the stripe
// lock of the granule that owns it, so it is never freed under a reader.
// Orphans: the engine's lock-free paths store R with a plain store
// (race_engine.cpp), which can overwrite a set's index that a slow path
// stored into R a moment before: the set is then named by no granule. The
// sweep (read_sets_sweep) finds such sets by their owner and frees them:
// under the owner's stripe lock (taken with try_lock, so the sweep, which
// holds the pool lock, never waits for a stripe: the engine's lock order is
// stripe -> pool), a set whose granule's R no longer names it is an orphan.
// A path that lets go of a set marks it detached (read_set_detach) while it
// still holds the stripe lock, before it frees it after unlocking, so the
// sweep never frees a set twice. The pool sweeps itself when its free list
// is empty and it would take a new entry, at most once per max(4096, sets
// in use) new entries: O(1) amortized per allocation.
#pragma once

#include <cstdint>

namespace concheck::race {

// 12 bytes: the epoch as two 32-bit halves, so that a set of four inline
// items is one 64-byte cache line. A lock-free reader (the engine's
// in_read_set) loads the halves separately, and may see the halves of two
// different items while a locked writer moves one over the other. The pair
// can then equal the reader's current epoch without that epoch being in the
// set only if one of the two items is the reader's own older epoch (same
// slot, so same high half) and the other item's low half equals its
// current epoch's: the reader then skips recording this read, so a later write
// ordered after the older read but not this one is missed. Rare, and a
// race missed, never a false one.
struct read_item {
  std::uint32_t epoch_low = 0;  // slot and clock (mask bits unused), low half
  std::uint32_t epoch_high = 0;
  std::uint32_t site = 0;

  read_item() noexcept = default;
  read_item(std::uint64_t epoch_word, std::uint32_t site_id) noexcept
      : epoch_low(static_cast<std::uint32_t>(epoch_word)),
        epoch_high(static_cast<std::uint32_t>(epoch_word >> 32)),
        site(site_id) {}
  std::uint64_t epoch() const noexcept { return (std::uint64_t{epoch_high} << 32) | epoch_low; }
};
static_assert(sizeof(read_item) == 12, "read items pack to 12 bytes");

struct read_set {
  std::uint32_t count = 0;
  std::uint32_t capacity = 0;  // of `more`
  read_item* more = nullptr;   // items past the inline ones (malloc; caller under inside_scope)
  read_item inline_items[4];

  read_item& at(std::uint32_t i) noexcept { return i < 4 ? inline_items[i] : more[i - 4]; }
  // Appends; false if out of memory.
  bool push(const read_item& item) noexcept;
  void erase(std::uint32_t i) noexcept;  // moves the last item into i
};
static_assert(sizeof(read_set) == 64, "a read set is one cache line");

// A fresh empty set for the granule at `granule` (8-aligned) and its index (0
// if none could be had: the pool is exhausted or out of memory). Index 0 is
// never used. The caller holds the granule's stripe lock and stores the
// set's index into the granule's R before releasing it.
std::uint64_t read_set_allocate(std::uintptr_t granule) noexcept;
read_set& read_set_at(std::uint64_t index) noexcept;
// The set no longer belongs to its granule (R stopped naming it): called
// under the granule's stripe lock by whoever frees the set after unlocking.
void read_set_detach(std::uint64_t index) noexcept;
void read_set_free(std::uint64_t index) noexcept;
// Frees every set that no granule's R names (orphans, above); returns how
// many. Sets whose stripe is held at the time are left for the next sweep.
// The caller must not hold the pool lock; it may hold one stripe lock.
std::uint64_t read_sets_sweep() noexcept;
void read_sets_after_fork() noexcept;  // frees the pool lock (fork child)
// Sets in use (statistics).
std::uint64_t read_sets_in_use() noexcept;

}  // namespace concheck::race
