// concheck runtime, race detection: the access hooks' inline fast paths.
// INTERNAL.
//
// write_covered_in_current_epoch(address, size) is true when the calling
// thread's own write in its current epoch (W) already covers this write: then
// the write has no effect on the engine. That is what the engine's fast path
// decides too (race_engine.cpp, access_granule; both test epoch_covers,
// shadow_memory.hpp), here inlined into each __tsan_write1..8 hook before the
// hook's gates, which it makes unnecessary on this path: an access with no
// effect is the same whether recorded or ignored (detection off, concheck's
// own code, __tsan_ignore_thread_begin). Explore mode's scheduling point is
// an effect, so the hook still asks whether the thread is controlled. False
// in every other case (no context, more than one granule, no shadow, an
// unmapped chunk, not covered): the hook then takes its full path, which
// checks everything again.
// Cost: one TLS load, the page table's two levels, the cell's W. Before, the
// hook checked three thread-local gates and then called the engine, which
// checked its own and looked the cell up: about 60 instructions against
// TSan's 24 on single_loop's __tsan_write8, now about 35 (issue 12).
//
// read_covered_in_current_epoch(address, size, tagged_cell) is the same for a
// plain read of __tsan_read1..8, covered by the thread's own W or R in its
// current epoch. When it is not, and the granule's cell is mapped, it gives
// the cell (its address | the chunk's layout tag) in `tagged_cell`, and the
// hook, past its gates, hands it to the engine (read_past_fast_check,
// race_runtime.hpp), which goes on from there: most reads that cost are a
// thread's first in a new epoch (a lookup under a reader lock, read_mostly),
// which the check does not cover, and checking first and then calling
// read(), which looked the context and the cell up again, made read_mostly
// about a tenth slower (bench/race/README.md). Separate from the write check
// so that the write hooks' code stays what it was: sharing one check cost
// single_loop's covered writes a third more time (4.73 against 3.49 ns per
// element).
#pragma once

#include <cstddef>
#include <cstdint>

#include "race/race_context.hpp"
#include "race/shadow_memory.hpp"

namespace concheck::race {

// Where an access by `self` lands when it stays inside one granule of mapped
// shadow: the cell, its chunk's cells word (for the layout tag) and the bytes
// of the granule it touches. False in every other case (no context, more
// than one granule, no shadow, an unmapped chunk). Both checks below start
// with it; always inlined, so each hook's code is what it was when the two
// checks spelled it out apiece.
// An address above 2^48 is not tested for here: shadow_entry_inline takes
// the first level's index modulo 2^16, so such an address finds the cell of
// another one below it. The checks' answer for it can only be "covered" (the
// hook returns; such accesses have no shadow and are ignored anyway) or not
// (the hook's full path, which ignores them); the read check hands no such
// cell on. Three instructions fewer on every hook's covered path (issue 12,
// single_loop).
struct granule_access {
  const shadow_cell* cell;
  std::uintptr_t cells;
  std::uint64_t mask;
};

[[gnu::always_inline]] inline bool find_granule(const thread_context* self, std::uintptr_t address,
                                                std::size_t size, granule_access& out) noexcept {
  const std::uintptr_t offset = address & (kGranule - 1);
  if (__builtin_expect(self == nullptr || offset + size > kGranule, 0)) return false;
  const shadow_chunk* chunk = shadow_entry_inline(address);
  if (__builtin_expect(chunk == nullptr, 0)) return false;
  out.cells = chunk->cells.load(std::memory_order_acquire);
  if (__builtin_expect(out.cells == 0, 0)) return false;
  out.cell = shadow_cell_in(out.cells, address);
  out.mask = ((std::uint64_t{1} << size) - 1) << offset;
  return true;
}

[[gnu::always_inline]] inline bool write_covered_in_current_epoch(std::uintptr_t address,
                                                                  std::size_t size) noexcept {
  const thread_context* self = tls_context;
  granule_access at;
  if (!find_granule(self, address, size, at)) return false;
  return epoch_covers(at.cell->write.load(std::memory_order_relaxed), self->epoch, at.mask);
}

// `self`: the calling thread's tls_context, which the read hooks keep for
// read_past_fast_check.
[[gnu::always_inline]] inline bool read_covered_in_current_epoch(const thread_context* self,
                                                                 std::uintptr_t address, std::size_t size,
                                                                 std::uintptr_t& tagged_cell) noexcept {
  granule_access at;
  if (!find_granule(self, address, size, at)) return false;
  if (epoch_covers(at.cell->write.load(std::memory_order_relaxed), self->epoch, at.mask) ||
      epoch_covers(at.cell->read.load(std::memory_order_relaxed), self->epoch, at.mask)) {
    return true;
  }
  // Above 2^48 the cell is another address's (find_granule): none handed on.
  if (__builtin_expect((address >> 48) == 0, 1)) {
    tagged_cell = reinterpret_cast<std::uintptr_t>(at.cell) | (at.cells & kLayoutBits);
  }
  return false;
}

[[gnu::always_inline]] inline bool read_covered_in_current_epoch(std::uintptr_t address, std::size_t size,
                                                                 std::uintptr_t& tagged_cell) noexcept {
  return read_covered_in_current_epoch(tls_context, address, size, tagged_cell);
}

// A 16-byte access (a vectorized loop's) of two whole granules whose cells
// are in one chunk, both covered as above (W for a write; W or R for a
// read). The engine's plain_access makes the same check, but reaching it
// from the hook (the gates, a call) cost single_loop's covered 16-byte
// accesses 89 instructions each (issue 12).
[[gnu::always_inline]] inline bool sixteen_covered_in_current_epoch(std::uintptr_t address,
                                                                    bool is_write) noexcept {
  constexpr std::uintptr_t kChunkTail = ((std::uintptr_t{1} << kChunkShift) - 1) & ~(kGranule - 1);
  const thread_context* self = tls_context;
  if (__builtin_expect(
          self == nullptr || (address & (kGranule - 1)) != 0 || (address & kChunkTail) == kChunkTail, 0)) {
    return false;
  }
  const shadow_chunk* chunk = shadow_entry_inline(address);
  if (__builtin_expect(chunk == nullptr, 0)) return false;
  const std::uintptr_t cells = chunk->cells.load(std::memory_order_acquire);
  if (__builtin_expect(cells == 0, 0)) return false;
  const shadow_cell* first = shadow_cell_in(cells, address);
  const shadow_cell* second = shadow_cell_in(cells, address + kGranule);
  const std::uint64_t epoch = self->epoch;
  if (is_write) {
    return epoch_covers(first->write.load(std::memory_order_relaxed), epoch, kMaskBits) &&
           epoch_covers(second->write.load(std::memory_order_relaxed), epoch, kMaskBits);
  }
  return (epoch_covers(first->write.load(std::memory_order_relaxed), epoch, kMaskBits) ||
          epoch_covers(first->read.load(std::memory_order_relaxed), epoch, kMaskBits)) &&
         (epoch_covers(second->write.load(std::memory_order_relaxed), epoch, kMaskBits) ||
          epoch_covers(second->read.load(std::memory_order_relaxed), epoch, kMaskBits));
}

}  // namespace concheck::race
