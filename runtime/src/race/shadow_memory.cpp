// concheck runtime, race engine: shadow memory (shadow_memory.hpp).
#include "race/shadow_memory.hpp"

#include <sys/mman.h>

namespace concheck::race {

std::atomic<shadow_level2*> g_shadow_level1[std::size_t{1} << 16];  // zero-initialized, in .bss

namespace {

constexpr std::size_t kLevelEntries = std::size_t{1} << 16;
constexpr std::size_t kChunkBytes = kCellsPerChunk * sizeof(shadow_cell);
constexpr std::size_t kStripes = 1024;

using level2 = shadow_level2;
std::atomic<std::uint64_t> g_chunks{0};

struct alignas(64) stripe {
  spin_lock lock;
};
stripe g_stripes[kStripes];

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

inline bool has_shadow(std::uintptr_t address) noexcept {
  return (address >> 48) == 0;
}
inline std::size_t index1(std::uintptr_t address) noexcept {
  return (address >> 32) & 0xffff;
}
inline std::size_t index2(std::uintptr_t address) noexcept {
  return (address >> 16) & 0xffff;
}
inline std::size_t cell_index(std::uintptr_t address) noexcept {
  return (address & 0xffff) >> kGranuleShift;
}

}  // namespace

shadow_cell* shadow_chunk_if_mapped(std::uintptr_t address) noexcept {
  if (!has_shadow(address)) return nullptr;
  level2* second = g_shadow_level1[index1(address)].load(std::memory_order_acquire);
  if (second == nullptr) return nullptr;
  return second[index2(address)].load(std::memory_order_acquire);
}

shadow_cell* shadow_cell_if_mapped(std::uintptr_t address) noexcept {
  shadow_cell* chunk = shadow_chunk_if_mapped(address);
  return chunk == nullptr ? nullptr : chunk + cell_index(address);
}

shadow_cell* shadow_cell_mapping(std::uintptr_t address) noexcept {
  if (!has_shadow(address)) return nullptr;
  std::atomic<level2*>& first = g_shadow_level1[index1(address)];
  level2* second = first.load(std::memory_order_acquire);
  if (__builtin_expect(second == nullptr, 0)) {
    second = install(first, kLevelEntries * sizeof(level2));
    if (second == nullptr) return nullptr;
  }
  std::atomic<shadow_cell*>& slot = second[index2(address)];
  shadow_cell* chunk = slot.load(std::memory_order_acquire);
  if (__builtin_expect(chunk == nullptr, 0)) {
    chunk = install(slot, kChunkBytes);
    if (chunk == nullptr) return nullptr;
    g_chunks.fetch_add(1, std::memory_order_relaxed);
  }
  return chunk + cell_index(address);
}

spin_lock& stripe_lock_for(std::uintptr_t address) noexcept {
  const std::uintptr_t block = address >> 6;
  return g_stripes[(block ^ (block >> 10) ^ (block >> 20)) & (kStripes - 1)].lock;
}

#ifdef MADV_HUGEPAGE
namespace {

constexpr std::size_t kHugeBytes = std::size_t{1} << 21;
constexpr std::size_t kChunksPerHuge = kHugeBytes / kChunkBytes;
static_assert(kChunksPerHuge * kChunkBytes == kHugeBytes, "chunks tile a huge page");

// Maps the kChunksPerHuge chunks of the group at `group` (application
// memory, aligned to kHugeGroupBytes) as one 2 MiB-aligned region in
// transparent huge pages, if none of them is mapped yet. A chunk another
// thread installs meanwhile keeps its own mapping; the region's slice for it
// is unmapped again.
void map_huge_group(std::uintptr_t group) noexcept {
  std::atomic<level2*>& first = g_shadow_level1[index1(group)];
  level2* second = first.load(std::memory_order_acquire);
  if (second == nullptr) {
    second = install(first, kLevelEntries * sizeof(level2));
    if (second == nullptr) return;
  }
  std::atomic<shadow_cell*>* slots = &second[index2(group)];
  for (std::size_t i = 0; i < kChunksPerHuge; ++i) {
    if (slots[i].load(std::memory_order_acquire) != nullptr) return;
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
    auto* slice = reinterpret_cast<shadow_cell*>(region + i * kChunkBytes);
    shadow_cell* expected = nullptr;
    if (slots[i].compare_exchange_strong(expected, slice, std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
      g_chunks.fetch_add(1, std::memory_order_relaxed);
    } else {
      munmap(slice, kChunkBytes);
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
    shadow_cell* first = shadow_cell_mapping(at);
    if (first == nullptr) return;
    // Whole pages inside the cells of [at, stop): a partial page at either
    // end may hold cells of other memory, which a fault-in leaves as they are
    // anyway, but the whole pages are all this access needs.
    const auto from = (reinterpret_cast<std::uintptr_t>(first) + kPage - 1) & ~(kPage - 1);
    const auto to =
        (reinterpret_cast<std::uintptr_t>(first + ((stop - at + kGranule - 1) >> kGranuleShift))) &
        ~(kPage - 1);
    if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE);
    if (chunk_end == 0) break;
    at = chunk_end;
  }
#else
  (void)begin;
  (void)end;
#endif
}

void chunk_discarder::add(std::uintptr_t chunk_address) noexcept {
  auto* chunk = reinterpret_cast<char*>(shadow_chunk_if_mapped(chunk_address));
  if (chunk == nullptr) return;
  if (chunk == end_) {
    end_ += kChunkBytes;
  } else if (chunk + kChunkBytes == begin_) {
    begin_ = chunk;
  } else {
    flush();
    begin_ = chunk;
    end_ = chunk + kChunkBytes;
  }
}

void chunk_discarder::flush() noexcept {
  if (begin_ != nullptr) madvise(begin_, static_cast<std::size_t>(end_ - begin_), MADV_DONTNEED);
  begin_ = end_ = nullptr;
}

void reset_stripe_locks_after_fork() noexcept {
  for (stripe& s : g_stripes) s.lock.reset_after_fork();
}

std::uint64_t shadow_chunks_mapped() noexcept {
  return g_chunks.load(std::memory_order_relaxed);
}

}  // namespace concheck::race
