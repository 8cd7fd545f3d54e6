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
// Storage: 320-byte entries, a header line and four inline items in a cache
// line each (one more heap array beyond), in blocks of 4096 mmap'd on demand
// (never freed; at most 2^28 entries), with a free list, and beside each
// entry its owner: the granule whose R names it (8 bytes; 0 once detached or
// free). Cost: allocation and release O(1) under the pool lock; an entry is
// changed under the stripe lock of the granule that owns it, except a
// reader's own inline item, which the engine's lock-free read-shared path
// replaces with a compare-and-swap (read_set's tag makes one that expects an
// earlier use of the entry fail); entries are never unmapped, so a lock-free
// reader of a freed one reads zeros or a later use, never faults.
// Orphans: the engine's lock-free paths store R with a plain store
// (race_engine.cpp), which can overwrite a set's index that a slow path
// stored into R a moment before: the set is then named by no granule. The
// sweep (read_sets_sweep) finds such sets by their owner and frees them:
// under the owner's stripe lock (taken with try_lock, so the sweep, which
// holds the pool lock, never waits for a stripe: the engine's lock order is
// stripe -> pool), a set whose granule's R no longer names it is an orphan. A
// path that lets go of a set marks it detached (read_set_detach) while it
// still holds the stripe lock, before it frees it after unlocking, so the
// sweep never frees a set twice. The pool sweeps itself when its free list
// is empty and it would take a new entry, at most once per max(4096, sets
// in use) new entries: O(1) amortized per allocation.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "race/shadow_memory.hpp"

namespace concheck::race {

// An item: a reader's epoch (slot and clock, mask bits 0) and its site.
struct read_item {
  std::uint64_t epoch = 0;
  std::uint32_t site = 0;
};

// A reader's inline item, in a cache line of its own: the readers of a
// structure under a reader lock each update their own item at every lookup
// (the read-shared path, race_engine.cpp), and with the four items in one
// line that line moved between the readers' cores at every read (issue 12,
// read_mostly: a fifth of its samples on the set's first load). Only its
// reader and the slow paths write it; a write's check and a reader that
// must find whether another reader is still concurrent read it.
// `epoch` carries the set's tag (read_set); `witness` is the reader's proof
// that another reader was concurrent with it (kept by the read-shared path:
// another slot and the reader's clock entry for that slot, at the time that
// slot's item was seen concurrent; 0 for none). set() clears it.
struct alignas(64) read_item_line {
  std::uint64_t epoch = 0;
  std::uint64_t witness = 0;
  std::uint32_t site = 0;
};
static_assert(sizeof(read_item_line) == 64, "an item is one cache line");

// The header line (the count, the tag, the heap array for items past four,
// and each inline item's slot, so that a reader finds its own item without
// reading the other readers' lines), then four item lines: 320 bytes. The
// header is written only under the stripe lock (the slow paths), so on
// read_mostly's hot path it stays shared by the readers' caches. An inline
// epoch word carries the set's tag (bits 0..7, where an epoch word has its
// mask): read_set_allocate changes the tag at every allocation of the
// entry, so a compare-and-swap that expects an item of one use of the entry
// fails on an equal epoch of a later use (the engine's lock-free update of a
// reader's own item, race_engine.cpp; it fails to see a reuse only if the
// entry was freed and allocated 256 times in between and holds the same
// epoch at the same place). Inline epochs, sites, witnesses, slots and the
// count are read and written with atomic builtins: the lock-free paths read
// them without the stripe lock.
struct alignas(64) read_set {
  std::uint16_t count = 0;
  std::uint16_t capacity = 0;   // of `more`
  std::uint32_t tag = 0;        // of this use of the entry (bits 0..7 used)
  read_item* more = nullptr;    // items past the inline ones (malloc; caller under inside_scope)
  std::uint16_t slots[4] = {};  // the slot of each inline item (a hint: the item's epoch word decides)
  read_item_line lines[4];

  read_item at(std::uint32_t i) const noexcept {
    if (i >= 4) return more[i - 4];
    return {__atomic_load_n(&lines[i].epoch, __ATOMIC_RELAXED) & ~std::uint64_t{0xff},
            __atomic_load_n(&lines[i].site, __ATOMIC_RELAXED)};
  }
  void set(std::uint32_t i, const read_item& item) noexcept {
    if (i >= 4) {
      more[i - 4] = item;
      return;
    }
    __atomic_store_n(&slots[i], static_cast<std::uint16_t>(epoch_slot(item.epoch)), __ATOMIC_RELAXED);
    __atomic_store_n(&lines[i].witness, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&lines[i].site, item.site, __ATOMIC_RELAXED);
    __atomic_store_n(&lines[i].epoch, item.epoch | (tag & 0xff), __ATOMIC_RELEASE);
  }
  // The inline item word (epoch and tag) at i < 4.
  std::uint64_t inline_word(std::uint32_t i) const noexcept {
    return __atomic_load_n(&lines[i].epoch, __ATOMIC_RELAXED);
  }
  // Appends; false if out of memory.
  bool push(const read_item& item) noexcept;
  void erase(std::uint32_t i) noexcept;  // moves the last item into i, empties the line it leaves
};
static_assert(sizeof(read_set) == 5 * 64, "a read set is a header line and four item lines");

// A fresh empty set for the granule at `granule` (8-aligned) and its index (0
// if none could be had: the pool is exhausted or out of memory). Index 0 is
// never used. The caller holds the granule's stripe lock and stores the
// set's index into the granule's R before releasing it.
std::uint64_t read_set_allocate(std::uintptr_t granule) noexcept;
// The set of an index (inline: the lock-free paths look sets up per read).
inline read_set& read_set_at(std::uint64_t index) noexcept;
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

// ---- implementation ----
inline constexpr unsigned kReadSetBlockShift = 12;
inline constexpr std::size_t kReadSetBlocks = std::size_t{1} << 16;
extern std::atomic<read_set*> g_read_set_blocks[kReadSetBlocks];

inline read_set& read_set_at(std::uint64_t index) noexcept {
  return g_read_set_blocks[index >> kReadSetBlockShift].load(
      std::memory_order_acquire)[index & ((std::uint64_t{1} << kReadSetBlockShift) - 1)];
}

}  // namespace concheck::race
