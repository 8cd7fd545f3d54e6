// concheck runtime, race engine: a granule's cold shadow words (its two
// sites and its location record, shadow_memory.hpp), kept once per chunk
// where a split chunk's granules agree. INTERNAL.
//
// A dense chunk keeps them in each cell, after the hot words: a load or a
// store, as they are. A split chunk has a uniform value per cold word
// (shadow_chunk, 0 until set); a granule's word is its own slot's
// (chunk_cold) when that is nonzero, else the uniform one; for the location
// record, only if the granule has an epoch (W or R nonzero: an access
// stored one), else 0 (untouched). So, in a split chunk:
//   - storing a value equal to the uniform one writes nothing (no slot page
//     touched) unless the granule's slot already holds its own value;
//   - storing a nonzero value while the uniform one is unset sets it (a CAS
//     from 0; a loser compares with the winner's value);
//   - storing any other value writes the granule's slot (mapping the cold
//     region at the chunk's first such store). A slot word, once nonzero,
//     stays the granule's own until the granule is cleared (clear) or the
//     chunk discarded, and a uniform value never changes while the chunk
//     lives: a granule that stored a value equal to it keeps reading it.
// A site of 0 (no stack) is kept as kNoSite in a slot. A location record is
// never 0 once stored (its sharing state is at least one_thread). Since a
// site is read only beside a nonzero epoch, stored after it (release), a
// granule without an epoch reading the uniform site is never looked at; the
// location record asks for the epoch so that an untouched granule reads 0
// exactly, whatever the chunk's record. A granule whose record is stored
// while it has no epoch (an atomic load's, which stores none) gets it in
// its slot. The exclusive path claims an untouched granule of a split chunk
// by the CAS of its first epoch (claim), of a dense one by a CAS of its
// record.
// Concurrency is that of the plain stores these replace: two stores of one
// word at one moment keep one of the two (the engine's stripe lock or its
// epoch protocol serializes what must be). A slot word is written before
// the epoch that goes with it (release).
// Cost: the uniform values share a cache line with the chunk's cells
// pointer, which the access just loaded; a split chunk with a cold region
// adds a load of the granule's slot (a second line besides the hot cell's).
#pragma once

#include <atomic>
#include <cstdint>

#include "race/shadow_memory.hpp"

namespace concheck::race {

// A slot's "no site" (0 would read the uniform site).
inline constexpr std::uint32_t kNoSite = 0xffffffffu;

// The split chunks' words, out of line (shadow_cold.cpp), of a chunk and a
// granule's index in it.
std::uint32_t split_site(const shadow_chunk& chunk, std::uint32_t index, bool is_write) noexcept;
std::uint64_t split_location(const shadow_chunk& chunk, std::uint32_t index, bool has_epoch) noexcept;
void store_split_site(shadow_chunk& chunk, std::uint32_t index, std::uint32_t site, bool is_write) noexcept;
void store_split_location(shadow_chunk& chunk, std::uint32_t index, std::uint64_t location,
                          bool has_epoch) noexcept;
bool claim_split(shadow_chunk& chunk, std::uint64_t claimed) noexcept;
bool bulk_claim_split(shadow_chunk& chunk, std::uint32_t index, std::uint64_t claimed,
                      std::uint32_t site) noexcept;
void clear_split(shadow_chunk& chunk, std::uint32_t index) noexcept;

// The uniform value of `uniform` is `value`, set now if it was unset.
template <typename T>
inline bool adopt_uniform(std::atomic<T>& uniform, T value) noexcept {
  T current = uniform.load(std::memory_order_relaxed);
  if (current == 0 && value != 0 &&
      uniform.compare_exchange_strong(current, value, std::memory_order_relaxed)) {
    return true;
  }
  return current == value && value != 0;
}

// The engine's handle on a granule's cold words: its cell and its address
// with its chunk's layout tag in the low bits, two words in registers. A
// dense cell's words are at a fixed offset from the cell: a few inline
// instructions, no load of the chunk entry (main's layout cost no more;
// computing the slot from the entry made the ordered read 30% slower). The
// split chunks' parts look the entry up, out of line. Every member is
// inline: a handle whose address a call took would live on the stack, and
// copying it there cost a store-forwarding stall per access.
class cold_ref {
 public:
  // `layout`: the tag of the chunk's cells word.
  cold_ref(shadow_cell& cell, std::uintptr_t granule, std::uintptr_t layout) noexcept
      : cell_(&cell), granule_(granule | layout) {}

  [[gnu::always_inline]] std::uint32_t write_site() const noexcept {
    if (const cold_slot* dense = dense_slot()) return dense->write_site.load(std::memory_order_relaxed);
    return split_site(chunk(), index(), true);
  }
  [[gnu::always_inline]] std::uint32_t read_site() const noexcept {
    if (const cold_slot* dense = dense_slot()) return dense->read_site.load(std::memory_order_relaxed);
    return split_site(chunk(), index(), false);
  }
  // The location record of a granule that has an epoch (W or R nonzero) or
  // has none.
  [[gnu::always_inline]] std::uint64_t location(bool has_epoch) const noexcept {
    if (const cold_slot* dense = dense_slot()) return dense->location.load(std::memory_order_relaxed);
    return split_location(chunk(), index(), has_epoch);
  }

  [[gnu::always_inline]] void store_write_site(std::uint32_t site) const noexcept {
    if (cold_slot* dense = dense_slot()) {
      dense->write_site.store(site, std::memory_order_relaxed);
    } else {
      store_split_site(chunk(), index(), site, true);
    }
  }
  [[gnu::always_inline]] void store_read_site(std::uint32_t site) const noexcept {
    if (cold_slot* dense = dense_slot()) {
      dense->read_site.store(site, std::memory_order_relaxed);
    } else {
      store_split_site(chunk(), index(), site, false);
    }
  }

  // Stores a nonzero location record; `has_epoch`: the granule has an epoch
  // now. Under the granule's stripe lock.
  [[gnu::always_inline]] void store_location(std::uint64_t location, bool has_epoch) const noexcept {
    if (cold_slot* dense = dense_slot()) {
      dense->location.store(location, std::memory_order_relaxed);
    } else {
      store_split_location(chunk(), index(), location, has_epoch);
    }
  }

  // The slow path's change of the location record from `expected` (loaded
  // under the stripe lock) to `desired`: in a dense chunk a CAS, since the
  // lock-free sharing of a granule (race_engine.cpp, share_update) changes a
  // dense record without the lock; on failure `expected` is the record
  // found, and false. A split chunk's record is stored (true).
  [[gnu::always_inline]] bool replace_location(std::uint64_t& expected, std::uint64_t desired,
                                               bool has_epoch) const noexcept {
    if (cold_slot* dense = dense_slot()) {
      return dense->location.compare_exchange_strong(expected, desired, std::memory_order_relaxed);
    }
    store_split_location(chunk(), index(), desired, has_epoch);
    return true;
  }

  // The cold words of a granule of a dense chunk, else null.
  [[gnu::always_inline]] cold_slot* dense() const noexcept { return dense_slot(); }

  // The exclusive path's claim of an untouched granule for `claimed` (a
  // one_thread record), before it stores the granule's first epoch with a
  // CAS from 0: in a dense chunk a CAS of the record from 0; in a split one,
  // true if the chunk's uniform record is (or now becomes) `claimed` (the
  // epoch's CAS is the claim), false otherwise (the slow path stores it in
  // the granule's slot).
  [[gnu::always_inline]] bool claim(std::uint64_t claimed) const noexcept {
    if (cold_slot* dense = dense_slot()) {
      std::uint64_t untouched = 0;
      return dense->location.compare_exchange_strong(untouched, claimed, std::memory_order_relaxed);
    }
    return claim_split(chunk(), claimed);
  }

  // The bulk claim of an untouched granule (no epoch, no record) for a plain
  // write of all its bytes at `site`, before its epoch is stored: true if
  // claimed (a dense cell's words stored; a split chunk's uniform records
  // are, or now become, these), false: claim it as one access.
  [[gnu::always_inline]] bool bulk_claim(std::uint64_t claimed, std::uint32_t site) const noexcept {
    if (cold_slot* dense = dense_slot()) {
      if (dense->location.load(std::memory_order_relaxed) != 0) return false;
      dense->location.store(claimed, std::memory_order_relaxed);
      dense->write_site.store(site, std::memory_order_relaxed);
      return true;
    }
    return bulk_claim_split(chunk(), index(), claimed, site);
  }

  // Makes every cold word read as untouched again. Under the stripe lock.
  [[gnu::always_inline]] void clear() const noexcept {
    if (cold_slot* dense = dense_slot()) {
      dense->write_site.store(0, std::memory_order_relaxed);
      dense->read_site.store(0, std::memory_order_relaxed);
      dense->location.store(0, std::memory_order_relaxed);
    } else {
      clear_split(chunk(), index());
    }
  }

 private:
  cold_slot* dense_slot() const noexcept {
    if ((granule_ & kLayoutBits) != kDenseLayout) return nullptr;
    return reinterpret_cast<cold_slot*>(cell_ + 1);
  }
  shadow_chunk& chunk() const noexcept { return *shadow_entry_inline(granule_); }
  std::uint32_t index() const noexcept { return shadow_index(granule_); }

  shadow_cell* cell_;
  std::uintptr_t granule_;  // | the layout tag
};

// The handle of the granule at `granule` in `chunk` (mapped).
[[gnu::always_inline]] inline cold_ref cold_of(const shadow_chunk& chunk, std::uintptr_t granule) noexcept {
  const std::uintptr_t cells = chunk.cells.load(std::memory_order_relaxed);
  return cold_ref(*shadow_cell_in(cells, granule), granule, cells & kLayoutBits);
}

}  // namespace concheck::race
