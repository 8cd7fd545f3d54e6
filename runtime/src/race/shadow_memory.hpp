// concheck runtime, race engine: shadow memory. INTERNAL.
//
// Every 8-byte granule of application memory that instrumented code touched
// has a shadow cell of four 64-bit words (32 bytes, 4x the application memory
// touched; untouched memory costs nothing):
//   write     W: the last write, an epoch word (below), 0 if none
//   read      R: the last read as an epoch word, or the read-shared form
//             (slot field kSharedSlot, clock field = index of a read set in
//             read_sets.hpp, mask = the bytes every reader in the set read)
//   sites     stack-depot ids of the last write and of the last read, two
//             32-bit words (each side stores its own: no read-modify-write)
//   location  the per-location record: sharing state (bits 0..2), atomic
//             (bit 3), racy-reported (bit 4), the first accessor's thread
//             id modulo 2^27 (bits 5..31; see location_owner), candidate
//             lockset (bits 32..63)
// Epoch word: slot (15 bits, 49..63) | clock (40 bits, 9..48) | atomic (bit 8)
// | byte mask (bits 0..7: the bytes of the granule the access touched). A
// word with mask 0 is empty.
//
// Lookup: a two-level page table. L1 (static, 2^16 entries: address bits
// 47..32) points to a lazily mmap'd L2 (2^16 entries: bits 31..16, 512 KiB of
// address space) that points to a lazily mmap'd chunk of 8192 cells (the
// shadow of 64 KiB of application memory, 256 KiB, MAP_NORESERVE so only
// touched pages are backed). Levels are installed with a CAS (the loser
// unmaps its copy); never malloc. A large range's whole 512 KiB groups get
// their eight chunks as one region in huge pages (shadow_prefault). Cost:
// three dependent loads. Addresses
// with bits above 47 set have no shadow (accesses to them are ignored).
// Cells are read and written with relaxed atomics; the engine serializes the
// writers of one cell with a stripe lock (stripe_lock_for).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "race/race_spin_lock.hpp"

namespace concheck::race {

inline constexpr unsigned kGranuleShift = 3;
inline constexpr std::uintptr_t kGranule = 8;
inline constexpr unsigned kChunkShift = 16;  // 64 KiB of application memory per chunk
inline constexpr std::size_t kCellsPerChunk = std::size_t{1} << (kChunkShift - kGranuleShift);

// ---- Epoch words ----
inline constexpr unsigned kClockShift = 9;
inline constexpr unsigned kSlotShift = 49;
inline constexpr std::uint64_t kClockMax = (std::uint64_t{1} << 40) - 1;
inline constexpr std::uint64_t kAtomicBit = std::uint64_t{1} << 8;
inline constexpr std::uint64_t kMaskBits = 0xff;
inline constexpr std::uint32_t kSharedSlot = 0x7fff;     // R in read-shared form
inline constexpr std::uint32_t kMaxSlots = kSharedSlot;  // slots 0..32766

inline constexpr std::uint64_t make_epoch(std::uint32_t slot, std::uint64_t clock) noexcept {
  return (std::uint64_t{slot} << kSlotShift) | ((clock & kClockMax) << kClockShift);
}
inline constexpr std::uint32_t epoch_slot(std::uint64_t word) noexcept {
  return static_cast<std::uint32_t>(word >> kSlotShift);
}
inline constexpr std::uint64_t epoch_clock(std::uint64_t word) noexcept {
  return (word >> kClockShift) & kClockMax;
}
inline constexpr std::uint8_t epoch_mask(std::uint64_t word) noexcept {
  return static_cast<std::uint8_t>(word & kMaskBits);
}
inline constexpr bool is_read_shared(std::uint64_t read_word) noexcept {
  return epoch_slot(read_word) == kSharedSlot && epoch_mask(read_word) != 0;
}

// ---- Location words ----
inline constexpr std::uint64_t kStateBits = 0x7;
inline constexpr std::uint64_t kLocationAtomic = 0x8;
inline constexpr std::uint64_t kLocationReported = 0x10;
inline constexpr unsigned kOwnerShift = 5;
inline constexpr std::uint64_t kOwnerBits = (std::uint64_t{1} << 27) - 1;
inline constexpr std::uint64_t kOwnerField = kOwnerBits << kOwnerShift;

// A thread id as the location word keeps it (27 bits). concheck numbers
// threads from 1 and never reuses an id: two threads 2^27 creations apart
// share a value, and a granule the two used would look used by one thread
// (a race between them missed, never a false one).
inline constexpr std::uint64_t location_owner(std::uint64_t thread_id) noexcept {
  return (thread_id & kOwnerBits) << kOwnerShift;
}

struct shadow_cell {
  std::atomic<std::uint64_t> write;
  std::atomic<std::uint64_t> read;
  std::atomic<std::uint32_t> write_site;
  std::atomic<std::uint32_t> read_site;
  std::atomic<std::uint64_t> location;
};
static_assert(sizeof(shadow_cell) == 32, "32 bytes of shadow per granule");

// The cell of the granule holding `address`, mapping its chunk if needed.
// Null if the address has no shadow or mapping failed. Inline: the hot path.
inline shadow_cell* shadow_cell_for(std::uintptr_t address) noexcept;
// Its out-of-line part: maps the missing levels.
shadow_cell* shadow_cell_mapping(std::uintptr_t address) noexcept;
// The cell if its chunk is mapped, else null (never maps).
shadow_cell* shadow_cell_if_mapped(std::uintptr_t address) noexcept;

// The serializing lock of the granule holding `address` (1024 stripes, one
// per 64-byte block of memory, hashed: a sweep over a buffer takes one lock
// for eight granules, where a stripe per granule cost a cache miss and
// another contended line at every slow-path access; blocks of 512 bytes
// made readers of neighbouring objects wait for each other).
spin_lock& stripe_lock_for(std::uintptr_t address) noexcept;

// Calls fn(cell, granule_address) for every granule of [begin, end) whose
// chunk is mapped, in address order, skipping unmapped chunks in one step.
template <typename Fn>
void for_each_mapped_cell(std::uintptr_t begin, std::uintptr_t end, Fn&& fn) noexcept;

// Maps the shadow of [begin, end) and faults its pages in writable, a chunk
// per system call (MADV_POPULATE_WRITE, Linux 5.14; a no-op where it is
// missing). For an access about to write the shadow of a large range (a
// memset of fresh memory): touching fresh shadow a cell at a time cost two
// page faults per page (the first load maps the zero page, the first store
// copies it), a quarter of single_loop's time.
// Every group of kHugeGroupBytes (512 KiB, 2 MiB of shadow) wholly inside
// the range whose chunks are all unmapped is first mapped as one 2 MiB-aligned
// region advised MADV_HUGEPAGE: on this project's 2-core VM the first touch of
// each fresh 4 KiB shadow page cost about 10 us even after the fault-in (128
// MiB of cells, a 32 MiB memset's shadow: 270-320 ms to populate and claim in
// 4 KiB pages, 20-34 ms in huge pages), 40% of single_loop's time. Only
// large ranges: shadow of sparse memory in huge pages would cost 2 MiB of
// RSS per group touched. The region stays advised when its chunks are
// discarded (reset_range), so a buffer allocated again at the same place
// gets huge pages again; memory reused sparsely there pays the 2 MiB.
void shadow_prefault(std::uintptr_t begin, std::uintptr_t end) noexcept;
inline constexpr std::uintptr_t kHugeGroupBytes = std::uintptr_t{1} << 19;

// Returns the pages of whole chunks to the system (their cells read as zero
// again), merging chunks whose shadow is contiguous into one madvise call:
// add() each chunk's 64 KiB-aligned application address, then flush() (or
// let the destructor). A freed 32 MiB block made 512 calls, one per chunk.
class chunk_discarder {
 public:
  chunk_discarder() noexcept = default;
  chunk_discarder(const chunk_discarder&) = delete;
  chunk_discarder& operator=(const chunk_discarder&) = delete;
  ~chunk_discarder() { flush(); }
  void add(std::uintptr_t chunk_address) noexcept;
  void flush() noexcept;

 private:
  char* begin_ = nullptr;
  char* end_ = nullptr;
};

// Frees every stripe lock (fork child).
void reset_stripe_locks_after_fork() noexcept;

// Number of chunks mapped so far (statistics).
std::uint64_t shadow_chunks_mapped() noexcept;

// ---- implementation ----
using shadow_level2 = std::atomic<shadow_cell*>;
extern std::atomic<shadow_level2*> g_shadow_level1[std::size_t{1} << 16];

inline shadow_cell* shadow_cell_for(std::uintptr_t address) noexcept {
  if (__builtin_expect((address >> 48) == 0, 1)) {
    shadow_level2* second = g_shadow_level1[(address >> 32) & 0xffff].load(std::memory_order_acquire);
    if (__builtin_expect(second != nullptr, 1)) {
      shadow_cell* chunk = second[(address >> 16) & 0xffff].load(std::memory_order_acquire);
      if (__builtin_expect(chunk != nullptr, 1)) return chunk + ((address & 0xffff) >> kGranuleShift);
    }
  }
  return shadow_cell_mapping(address);
}

shadow_cell* shadow_chunk_if_mapped(std::uintptr_t address) noexcept;

// shadow_cell_if_mapped, inline, for an address below 2^48.
inline shadow_cell* shadow_cell_if_mapped_inline(std::uintptr_t address) noexcept {
  shadow_level2* second = g_shadow_level1[(address >> 32) & 0xffff].load(std::memory_order_acquire);
  if (second == nullptr) return nullptr;
  shadow_cell* chunk = second[(address >> 16) & 0xffff].load(std::memory_order_acquire);
  return chunk == nullptr ? nullptr : chunk + ((address & 0xffff) >> kGranuleShift);
}

template <typename Fn>
void for_each_mapped_cell(std::uintptr_t begin, std::uintptr_t end, Fn&& fn) noexcept {
  std::uintptr_t granule = begin & ~(kGranule - 1);
  while (granule < end) {
    const std::uintptr_t chunk_end = (granule | ((std::uintptr_t{1} << kChunkShift) - 1)) + 1;
    shadow_cell* chunk = shadow_chunk_if_mapped(granule);
    const std::uintptr_t stop = chunk_end < end ? chunk_end : end;
    if (chunk != nullptr) {
      for (; granule < stop; granule += kGranule) {
        fn(chunk[(granule & ((std::uintptr_t{1} << kChunkShift) - 1)) >> kGranuleShift], granule);
      }
    }
    if (chunk_end == 0) break;  // wrapped at the top of the address space
    granule = chunk_end;
  }
}

}  // namespace concheck::race
