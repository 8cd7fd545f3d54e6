// concheck runtime, race engine: shadow memory (shadow_memory.hpp).
#include "race/shadow_memory.hpp"

#include <sys/mman.h>

namespace concheck::race {

std::atomic<shadow_chunk*> g_shadow_level1[std::size_t{1} << 16];  // zero-initialized, in .bss

namespace {

constexpr std::size_t kLevelEntries = std::size_t{1} << 16;
constexpr std::size_t kColdBytes = sizeof(chunk_cold);
constexpr std::size_t kStripes = 1024;
static_assert(kColdBytes % 4096 == 0, "cold regions are whole pages");

using level2 = shadow_chunk;
std::atomic<std::uint64_t> g_chunks{0};

struct alignas(64) stripe {
  spin_lock lock;
};
stripe g_stripes[kStripes];

// The bytes of a chunk's cells in a layout.
constexpr std::size_t cells_bytes(std::uintptr_t layout) noexcept {
  return kCellsPerChunk << (layout + kGranuleShift);
}
static_assert(cells_bytes(kSplitLayout) == kCellsPerChunk * sizeof(shadow_cell), "split cells");
static_assert(cells_bytes(kDenseLayout) == kCellsPerChunk * (sizeof(shadow_cell) + sizeof(cold_slot)),
              "dense cells");

void* map_zeroed(std::size_t bytes) noexcept {
  void* memory =
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return memory == MAP_FAILED ? nullptr : memory;
}

// Installs a freshly mapped, zeroed block into `slot` unless another thread
// did first; returns the installed block.
template <typename T>
T* install(std::atomic<T*>& slot, std::size_t bytes) noexcept {
  T* fresh = static_cast<T*>(map_zeroed(bytes));
  if (fresh == nullptr) return nullptr;
  T* expected = nullptr;
  if (slot.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel, std::memory_order_acquire)) {
    return fresh;
  }
  munmap(fresh, bytes);
  return expected;
}

// Installs cells of `layout` into `chunk` unless another thread installed
// some first; returns the chunk's cells word (0 if mapping failed).
std::uintptr_t install_cells(shadow_chunk& chunk, std::uintptr_t layout) noexcept {
  const std::size_t bytes = cells_bytes(layout);
  void* fresh = map_zeroed(bytes);
  if (fresh == nullptr) return 0;
  const std::uintptr_t word = reinterpret_cast<std::uintptr_t>(fresh) | layout;
  std::uintptr_t expected = 0;
  if (chunk.cells.compare_exchange_strong(expected, word, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
    g_chunks.fetch_add(1, std::memory_order_relaxed);
    return word;
  }
  munmap(fresh, bytes);
  return expected;
}

inline bool has_shadow(std::uintptr_t address) noexcept {
  return (address >> 48) == 0;
}
inline std::size_t index1(std::uintptr_t address) noexcept {
  return (address >> 32) & 0xffff;
}
inline std::size_t index2(std::uintptr_t address) noexcept {
  return (address >> 16) & 0xffff;
}

// The entry of `address`, installing its L2 table if needed.
shadow_chunk* entry_mapping(std::uintptr_t address) noexcept {
  std::atomic<level2*>& first = g_shadow_level1[index1(address)];
  level2* second = first.load(std::memory_order_acquire);
  if (__builtin_expect(second == nullptr, 0)) {
    second = install(first, kLevelEntries * sizeof(level2));
    if (second == nullptr) return nullptr;
  }
  return &second[index2(address)];
}

// The entry of `address` with its cells mapped, in `layout` if they were not.
shadow_chunk* chunk_mapping(std::uintptr_t address, std::uintptr_t layout) noexcept {
  if (!has_shadow(address)) return nullptr;
  shadow_chunk* entry = entry_mapping(address);
  if (entry == nullptr) return nullptr;
  if (__builtin_expect(entry->cells.load(std::memory_order_acquire) == 0, 0)) {
    if (install_cells(*entry, layout) == 0) return nullptr;
  }
  return entry;
}

}  // namespace

shadow_chunk* shadow_chunk_if_mapped(std::uintptr_t address) noexcept {
  if (!has_shadow(address)) return nullptr;
  level2* second = g_shadow_level1[index1(address)].load(std::memory_order_acquire);
  if (second == nullptr) return nullptr;
  shadow_chunk* entry = &second[index2(address)];
  return entry->cells.load(std::memory_order_acquire) == 0 ? nullptr : entry;
}

shadow_cell* shadow_cell_if_mapped(std::uintptr_t address) noexcept {
  shadow_chunk* chunk = shadow_chunk_if_mapped(address);
  return chunk == nullptr ? nullptr : shadow_cell_in(chunk->cells.load(std::memory_order_relaxed), address);
}

namespace {
std::atomic<std::uintptr_t> g_lazy_layout{kDenseLayout};
}  // namespace

void set_lazy_chunk_layout(std::uintptr_t layout) noexcept {
  g_lazy_layout.store(layout, std::memory_order_relaxed);
}

// A chunk first touched by a small access is dense: its granules are
// usually objects of their own, whose cold words differ, and a split chunk
// would cost them a second cache line per access (read_mostly's tree nodes:
// a third more time).
shadow_chunk* shadow_chunk_for(std::uintptr_t address) noexcept {
  return chunk_mapping(address, g_lazy_layout.load(std::memory_order_relaxed));
}

shadow_cell* shadow_cell_mapping(std::uintptr_t address) noexcept {
  shadow_chunk* chunk = shadow_chunk_for(address);
  return chunk == nullptr ? nullptr : shadow_cell_in(chunk->cells.load(std::memory_order_acquire), address);
}

chunk_cold* shadow_cold_mapping(shadow_chunk& chunk) noexcept {
  chunk_cold* cold = chunk.cold.load(std::memory_order_acquire);
  return cold != nullptr ? cold : install(chunk.cold, kColdBytes);
}

spin_lock& stripe_lock_for(std::uintptr_t address) noexcept {
  const std::uintptr_t block = address >> 6;
  return g_stripes[(block ^ (block >> 10) ^ (block >> 20)) & (kStripes - 1)].lock;
}

#ifdef MADV_HUGEPAGE
namespace {

constexpr std::size_t kHugeBytes = std::size_t{1} << 21;
constexpr std::size_t kSplitBytes = cells_bytes(kSplitLayout);
constexpr std::size_t kChunksPerHuge = kHugeBytes / kSplitBytes;
static_assert(kChunksPerHuge * kSplitBytes == kHugeBytes, "split chunks tile a huge page");
static_assert(kChunksPerHuge << kChunkShift == kHugeGroupBytes, "a group's chunks fill one huge page");

// Maps the kChunksPerHuge chunks of the group at `group` (application
// memory, aligned to kHugeGroupBytes) split, their hot cells as one 2
// MiB-aligned region in transparent huge pages, if none of them is mapped
// yet. A chunk another thread installs meanwhile keeps its own mapping; the
// region's slice for it is unmapped again.
void map_huge_group(std::uintptr_t group) noexcept {
  shadow_chunk* chunks = entry_mapping(group);
  if (chunks == nullptr) return;
  for (std::size_t i = 0; i < kChunksPerHuge; ++i) {
    if (chunks[i].cells.load(std::memory_order_acquire) != 0) return;
  }
  // Twice the size, then the slack on both sides unmapped: an aligned region.
  auto* raw = static_cast<char*>(map_zeroed(2 * kHugeBytes));
  if (raw == nullptr) return;
  const auto raw_address = reinterpret_cast<std::uintptr_t>(raw);
  char* region = raw + (((raw_address + kHugeBytes - 1) & ~(kHugeBytes - 1)) - raw_address);
  if (region != raw) munmap(raw, static_cast<std::size_t>(region - raw));
  if (region + kHugeBytes != raw + 2 * kHugeBytes) {
    munmap(region + kHugeBytes, static_cast<std::size_t>(raw + 2 * kHugeBytes - (region + kHugeBytes)));
  }
  madvise(region, kHugeBytes, MADV_HUGEPAGE);
  for (std::size_t i = 0; i < kChunksPerHuge; ++i) {
    char* slice = region + i * kSplitBytes;
    std::uintptr_t expected = 0;
    if (chunks[i].cells.compare_exchange_strong(expected,
                                                reinterpret_cast<std::uintptr_t>(slice) | kSplitLayout,
                                                std::memory_order_acq_rel, std::memory_order_acquire)) {
      g_chunks.fetch_add(1, std::memory_order_relaxed);
    } else {
      munmap(slice, kSplitBytes);
    }
  }
}

}  // namespace
#endif

void shadow_prefault(std::uintptr_t begin, std::uintptr_t end) noexcept {
#ifdef MADV_HUGEPAGE
  // Groups of chunks wholly inside the range: one huge page each.
  for (std::uintptr_t group = (begin + kHugeGroupBytes - 1) & ~(kHugeGroupBytes - 1);
       group >= begin && group < end && end - group >= kHugeGroupBytes && has_shadow(group);
       group += kHugeGroupBytes) {
    map_huge_group(group);
  }
#endif
#ifdef MADV_POPULATE_WRITE
  constexpr std::uintptr_t kChunk = std::uintptr_t{1} << kChunkShift;
  constexpr std::uintptr_t kPage = 4096;
  std::uintptr_t at = begin & ~(kGranule - 1);
  while (at < end) {
    const std::uintptr_t chunk_end = (at | (kChunk - 1)) + 1;
    const std::uintptr_t stop = chunk_end < end ? chunk_end : end;
    // A chunk wholly inside the range is split (its cold words are likely
    // the same: one loop's, one owner's), any other dense.
    shadow_chunk* chunk =
        chunk_mapping(at, at == chunk_end - kChunk && stop == chunk_end ? kSplitLayout : kDenseLayout);
    if (chunk == nullptr) return;
    const std::uintptr_t cells = chunk->cells.load(std::memory_order_acquire);
    // Whole pages inside the cells of [at, stop): a partial page at either
    // end may hold cells of other memory, which a fault-in leaves as they are
    // anyway, but the whole pages are all this access needs.
    const auto from =
        (reinterpret_cast<std::uintptr_t>(shadow_cell_in(cells, at)) + kPage - 1) & ~(kPage - 1);
    const auto to = reinterpret_cast<std::uintptr_t>(shadow_cell_in(cells, stop - 1)) +
                    (std::uintptr_t{1} << ((cells & kLayoutBits) + kGranuleShift));
    const auto to_page = to & ~(kPage - 1);
    if (to_page > from) madvise(reinterpret_cast<void*>(from), to_page - from, MADV_POPULATE_WRITE);
    if (chunk_end == 0) break;
    at = chunk_end;
  }
#else
  (void)begin;
  (void)end;
#endif
}

void chunk_discarder::run::add(char* pages, std::size_t bytes) noexcept {
  if (pages == end) {
    end += bytes;
  } else if (pages + bytes == begin) {
    begin = pages;
  } else {
    flush();
    begin = pages;
    end = pages + bytes;
  }
}

void chunk_discarder::run::flush() noexcept {
  if (begin != nullptr) madvise(begin, static_cast<std::size_t>(end - begin), MADV_DONTNEED);
  begin = end = nullptr;
}

void chunk_discarder::add(std::uintptr_t chunk_address) noexcept {
  shadow_chunk* chunk = shadow_chunk_if_mapped(chunk_address);
  if (chunk == nullptr) return;
  const std::uintptr_t cells = chunk->cells.load(std::memory_order_relaxed);
  hot_.add(reinterpret_cast<char*>(cells & ~kLayoutBits), cells_bytes(cells & kLayoutBits));
  if (chunk_cold* cold = chunk->cold.load(std::memory_order_acquire)) {
    cold_.add(reinterpret_cast<char*>(cold), kColdBytes);
  }
  chunk->uniform_location.store(0, std::memory_order_relaxed);
  chunk->uniform_write_site.store(0, std::memory_order_relaxed);
  chunk->uniform_read_site.store(0, std::memory_order_relaxed);
}

void chunk_discarder::flush() noexcept {
  hot_.flush();
  cold_.flush();
}

void reset_stripe_locks_after_fork() noexcept {
  for (stripe& s : g_stripes) s.lock.reset_after_fork();
}

std::uint64_t shadow_chunks_mapped() noexcept {
  return g_chunks.load(std::memory_order_relaxed);
}

}  // namespace concheck::race
