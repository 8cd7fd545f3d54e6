// concheck runtime, race engine: shadow memory. INTERNAL.
//
// Every 8-byte granule of application memory that instrumented code touched
// has a shadow of four words (untouched memory costs nothing): two hot ones,
//   write     W: the last write, an epoch word (below), 0 if none
//   read      R: the last read as an epoch word, or the read-shared form
//             (slot field kSharedSlot, clock field = index of a read set in
//             read_sets.hpp, mask = the bytes every reader in the set read)
// and three cold ones, read and stored through shadow_cold.hpp:
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
// Two layouts, chosen per chunk (64 KiB of memory) when it is mapped:
//   dense   a 32-byte cell per granule, the cold words after the hot ones in
//           the same cache line (32 bytes per granule, 4x the memory): a
//           chunk first touched by a small access, whose granules are
//           usually objects of their own with records and sites of their own
//   split   a 16-byte cell per granule (2x), and chunk-uniform cold words:
//           a chunk wholly inside a large range access (shadow_prefault: an
//           array a memset or memcpy covers), whose granules usually carry
//           the same sites and record (one loop, one owner). The chunk's
//           entry holds a uniform value per cold word, set by the first
//           store of a nonzero value and never changed until the chunk is
//           discarded; a granule whose word differs keeps it in its own
//           16-byte slot of the chunk's cold region (chunk_cold, mapped at
//           the chunk's first such store, MAP_NORESERVE), where a nonzero
//           word overrides the uniform one. A chunk whose granules agree
//           costs its hot cells only (single_loop: peak RSS 168 -> 102 MiB);
//           a granule with words of its own costs a second cache line per
//           access (every chunk split made read_mostly a third slower).
// A chunk keeps its layout while the process lives (its entry is never
// unmapped: another thread may hold a pointer into its cells).
//
// Lookup: a two-level page table. L1 (static, 2^16 entries: address bits
// 47..32) points to a lazily mmap'd L2 (2^16 shadow_chunk entries of 32
// bytes: bits 31..16, 2 MiB of address space, touched only where used)
// whose entry holds the address of the chunk's lazily mmap'd cells (8192:
// 256 KiB dense, 128 KiB split, MAP_NORESERVE so only touched pages are
// backed) with the layout in its low bits, so that the cell of an address
// is (cells word & ~3) + ((offset in chunk & ~7) << (cells word & 3)), and,
// for a split chunk, the cold region and the uniform values. Levels are
// installed with a CAS (the loser unmaps its copy); never malloc. A large
// range's whole 1 MiB groups get their sixteen chunks' split cells as one
// region in huge pages (shadow_prefault). Cost: three dependent loads; the
// first two are shared by every access to the same 64 KiB and usually hit
// the L1 cache. A flat table of entries indexed by address
// bits 46..16 (one 64 GiB MAP_NORESERVE mapping, two dependent loads) was
// measured against it, also under the hooks' inline fast path, and gained
// nothing (bench/race/README.md, issue 12).
// Addresses with bits above 47 set have no shadow (accesses to them are
// ignored).
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
// Whether `word` (W or R) is the thread's own access in its current epoch
// `epoch` and covers every byte of `mask`: then an access of those bytes by
// that thread changes nothing (the engine's fast paths). `epoch` has no mask
// bits, `mask` no others. One compare: the bytes outside `mask` are set in
// the word, so its mask field is all ones exactly when it holds every byte of
// `mask` (an 8-byte access: the word equals epoch | 0xff). Written as two
// tests, the write hooks' fast path ran three more instructions (issue 12).
inline constexpr bool epoch_covers(std::uint64_t word, std::uint64_t epoch, std::uint64_t mask) noexcept {
  return (word | (~mask & kMaskBits)) == (epoch | kMaskBits);
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

// A granule's hot words, in either layout.
struct shadow_cell {
  std::atomic<std::uint64_t> write;
  std::atomic<std::uint64_t> read;
};
static_assert(sizeof(shadow_cell) == 16, "16 bytes of hot shadow per granule");

// A granule's cold words: in a dense chunk right after its hot words, in a
// split chunk in its own slot of the chunk's cold region, where a word is
// the granule's own when nonzero (shadow_cold.hpp).
struct cold_slot {
  std::atomic<std::uint32_t> write_site;
  std::atomic<std::uint32_t> read_site;
  std::atomic<std::uint64_t> location;
};
static_assert(sizeof(cold_slot) == 16, "16 bytes of cold shadow");

// A split chunk's cold region: a slot per granule, whose pages are backed
// only where a granule's cold words differ from the chunk's.
struct chunk_cold {
  cold_slot slots[kCellsPerChunk];
};

// The layout tag in the low bits of a chunk's cells word: log2 of the cell
// size in bytes minus kGranuleShift, so that a granule's cell is at
// (granule offset in the chunk) << tag.
inline constexpr std::uintptr_t kSplitLayout = 1;  // 16-byte cells
inline constexpr std::uintptr_t kDenseLayout = 2;  // 32-byte cells: hot words, then the cold slot
inline constexpr std::uintptr_t kLayoutBits = 3;

// An entry of the page table's second level: a chunk's hot cells (their
// address | the layout tag; 0 while unmapped) and, for a split chunk, its
// cold region and its uniform cold words (0: not set yet).
struct shadow_chunk {
  std::atomic<std::uintptr_t> cells;
  std::atomic<chunk_cold*> cold;
  std::atomic<std::uint64_t> uniform_location;
  std::atomic<std::uint32_t> uniform_write_site;
  std::atomic<std::uint32_t> uniform_read_site;

  // The cell of granule `index` (the chunk is mapped).
  shadow_cell& cell(std::uint32_t index) const noexcept;
  // Its cold slot if the chunk is dense, else null.
  cold_slot* dense_slot(std::uint32_t index) const noexcept;
};
static_assert(sizeof(shadow_chunk) == 32, "two entries per cache line");

// The cell of `address` in a chunk whose cells word is `cells` (nonzero).
inline shadow_cell* shadow_cell_in(std::uintptr_t cells, std::uintptr_t address) noexcept {
  const std::uintptr_t tag = cells & kLayoutBits;
  return reinterpret_cast<shadow_cell*>((cells ^ tag) + ((address & 0xfff8) << tag));
}
inline shadow_cell& shadow_chunk::cell(std::uint32_t index) const noexcept {
  return *shadow_cell_in(cells.load(std::memory_order_relaxed), std::uintptr_t{index} << 3);
}
inline cold_slot* shadow_chunk::dense_slot(std::uint32_t index) const noexcept {
  const std::uintptr_t word = cells.load(std::memory_order_relaxed);
  if ((word & kLayoutBits) != kDenseLayout) return nullptr;
  return reinterpret_cast<cold_slot*>(
      reinterpret_cast<char*>(shadow_cell_in(word, std::uintptr_t{index} << 3)) + sizeof(shadow_cell));
}

// The cell of the granule holding `address`, mapping its chunk if needed.
// Null if the address has no shadow or mapping failed. Inline: the hot path.
inline shadow_cell* shadow_cell_for(std::uintptr_t address) noexcept;
// The cell if its chunk is mapped, else null (never maps).
shadow_cell* shadow_cell_if_mapped(std::uintptr_t address) noexcept;
// The chunk entry of `address` with its cells mapped (mapping them if
// needed); null if the address has no shadow or mapping failed.
shadow_chunk* shadow_chunk_for(std::uintptr_t address) noexcept;
// The chunk entry of `address` if its cells are mapped, else null.
shadow_chunk* shadow_chunk_if_mapped(std::uintptr_t address) noexcept;
// The chunk's cold region, mapped at the first call (null if mapping failed).
chunk_cold* shadow_cold_mapping(shadow_chunk& chunk) noexcept;
// The layout of chunks mapped by shadow_chunk_for (kDenseLayout, or
// kSplitLayout: the engine's tests run once with each). Chunks mapped
// already keep theirs.
void set_lazy_chunk_layout(std::uintptr_t layout) noexcept;

// The index of the granule holding `address` in its chunk.
inline constexpr std::uint32_t shadow_index(std::uintptr_t address) noexcept {
  return static_cast<std::uint32_t>((address & ((std::uintptr_t{1} << kChunkShift) - 1)) >> kGranuleShift);
}

// The serializing lock of the granule holding `address` (1024 stripes, one
// per 64-byte block of memory, hashed: a sweep over a buffer takes one lock
// for eight granules, where a stripe per granule cost a cache miss and
// another contended line at every slow-path access; blocks of 512 bytes
// made readers of neighbouring objects wait for each other).
spin_lock& stripe_lock_for(std::uintptr_t address) noexcept;

// Calls fn(chunk, index, granule_address) for every granule of [begin, end)
// whose chunk is mapped, in address order, skipping unmapped chunks in one
// step.
template <typename Fn>
void for_each_mapped_granule(std::uintptr_t begin, std::uintptr_t end, Fn&& fn) noexcept;

// Maps the shadow of [begin, end) and faults its hot cells in writable, a
// chunk per system call (MADV_POPULATE_WRITE, Linux 5.14; a no-op where it
// is missing). For an access about to write the shadow of a large range (a
// memset of fresh memory): touching fresh shadow a cell at a time cost two
// page faults per page (the first load maps the zero page, the first store
// copies it), a quarter of single_loop's time. Cold regions are left to be
// mapped and touched where a cold word is stored.
// Every group of kHugeGroupBytes (1 MiB: sixteen chunks, 2 MiB of hot cells)
// wholly inside the range whose chunks are all unmapped is first mapped as
// one 2 MiB-aligned region advised MADV_HUGEPAGE: on this project's 2-core VM
// the first touch of each fresh 4 KiB shadow page cost about 10 us even
// after the fault-in (128 MiB of cells, a 32 MiB memset's shadow: 270-320
// ms to populate and claim in 4 KiB pages, 20-34 ms in huge pages), 40% of
// single_loop's time. Only large ranges: shadow of sparse memory in huge
// pages would cost 2 MiB of RSS per group touched. The region stays advised
// when its chunks are discarded (reset_range), so a buffer allocated again
// at the same place gets huge pages again; memory reused sparsely there pays
// the 2 MiB.
void shadow_prefault(std::uintptr_t begin, std::uintptr_t end) noexcept;
inline constexpr std::uintptr_t kHugeGroupBytes = std::uintptr_t{1} << 20;

// Returns the pages of whole chunks to the system (their hot cells and cold
// regions read as zero again, their uniform cold words are cleared),
// merging chunks whose hot cells are contiguous into one madvise call: add()
// each chunk's 64 KiB-aligned application address, then flush() (or let the
// destructor). A freed 32 MiB block made 512 calls, one per chunk.
class chunk_discarder {
 public:
  chunk_discarder() noexcept = default;
  chunk_discarder(const chunk_discarder&) = delete;
  chunk_discarder& operator=(const chunk_discarder&) = delete;
  ~chunk_discarder() { flush(); }
  void add(std::uintptr_t chunk_address) noexcept;
  void flush() noexcept;

 private:
  // Contiguous pages to discard in one call.
  struct run {
    char* begin = nullptr;
    char* end = nullptr;
    void add(char* pages, std::size_t bytes) noexcept;
    void flush() noexcept;
  };
  run hot_;
  run cold_;
};

// Frees every stripe lock (fork child).
void reset_stripe_locks_after_fork() noexcept;

// Number of chunks mapped so far (statistics).
std::uint64_t shadow_chunks_mapped() noexcept;

// ---- implementation ----
extern std::atomic<shadow_chunk*> g_shadow_level1[std::size_t{1} << 16];
shadow_cell* shadow_cell_mapping(std::uintptr_t address) noexcept;

// The chunk entry of an address below 2^48 if its L2 table exists (its
// cells may still be unmapped), else null. Never maps.
inline shadow_chunk* shadow_entry_inline(std::uintptr_t address) noexcept {
  shadow_chunk* second = g_shadow_level1[(address >> 32) & 0xffff].load(std::memory_order_acquire);
  return second == nullptr ? nullptr : &second[(address >> 16) & 0xffff];
}

inline shadow_cell* shadow_cell_for(std::uintptr_t address) noexcept {
  if (__builtin_expect((address >> 48) == 0, 1)) {
    shadow_chunk* entry = shadow_entry_inline(address);
    if (__builtin_expect(entry != nullptr, 1)) {
      const std::uintptr_t cells = entry->cells.load(std::memory_order_acquire);
      if (__builtin_expect(cells != 0, 1)) return shadow_cell_in(cells, address);
    }
  }
  return shadow_cell_mapping(address);
}

// shadow_chunk_for, inline: the chunk entry with its cells mapped.
inline shadow_chunk* shadow_chunk_for_inline(std::uintptr_t address) noexcept {
  if (__builtin_expect((address >> 48) == 0, 1)) {
    shadow_chunk* entry = shadow_entry_inline(address);
    if (__builtin_expect(entry != nullptr && entry->cells.load(std::memory_order_acquire) != 0, 1)) {
      return entry;
    }
  }
  return shadow_chunk_for(address);
}

// shadow_cell_if_mapped, inline, for an address below 2^48.
inline shadow_cell* shadow_cell_if_mapped_inline(std::uintptr_t address) noexcept {
  shadow_chunk* entry = shadow_entry_inline(address);
  if (entry == nullptr) return nullptr;
  const std::uintptr_t cells = entry->cells.load(std::memory_order_acquire);
  return cells == 0 ? nullptr : shadow_cell_in(cells, address);
}

template <typename Fn>
void for_each_mapped_granule(std::uintptr_t begin, std::uintptr_t end, Fn&& fn) noexcept {
  std::uintptr_t granule = begin & ~(kGranule - 1);
  while (granule < end) {
    const std::uintptr_t chunk_end = (granule | ((std::uintptr_t{1} << kChunkShift) - 1)) + 1;
    shadow_chunk* chunk = shadow_chunk_if_mapped(granule);
    const std::uintptr_t stop = chunk_end < end ? chunk_end : end;
    if (chunk != nullptr) {
      for (; granule < stop; granule += kGranule) fn(*chunk, shadow_index(granule), granule);
    }
    if (chunk_end == 0) break;  // wrapped at the top of the address space
    granule = chunk_end;
  }
}

}  // namespace concheck::race
