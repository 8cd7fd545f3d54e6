// concheck runtime, race engine: the engine's internal heap (internal_heap.hpp).
#include "race/internal_heap.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstring>

#include "race/race_spin_lock.hpp"

namespace concheck::race {
namespace {

constexpr std::size_t kAlign = 16;
constexpr std::size_t kClasses = kInternalSmallMax / kAlign;
constexpr std::size_t kRegionBytes = std::size_t{1} << 20;
constexpr std::size_t kPage = 4096;

struct free_block {
  free_block* next;
};

struct alignas(64) size_class {
  spin_lock lock;
  free_block* free = nullptr;
};

size_class g_classes[kClasses];
spin_lock g_region_lock;
char* g_region_next = nullptr;  // the current region's unused part, under g_region_lock
char* g_region_end = nullptr;
std::atomic<std::uint64_t> g_mapped{0};

void* map_bytes(std::size_t bytes) noexcept {
  void* memory =
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) return nullptr;
  g_mapped.fetch_add(bytes, std::memory_order_relaxed);
  return memory;
}

std::size_t class_bytes(std::size_t bytes) noexcept {
  return bytes == 0 ? kAlign : (bytes + kAlign - 1) & ~(kAlign - 1);
}

std::size_t large_bytes(std::size_t bytes) noexcept {
  return (bytes + kPage - 1) & ~(kPage - 1);
}

// A fresh block of `bytes` (a multiple of kAlign, at most kInternalSmallMax) from the
// current region; the rest of a region too short for it is left unused.
void* carve(std::size_t bytes) noexcept {
  spin_guard guard(g_region_lock);
  if (g_region_next == nullptr || static_cast<std::size_t>(g_region_end - g_region_next) < bytes) {
    auto* region = static_cast<char*>(map_bytes(kRegionBytes));
    if (region == nullptr) return nullptr;
    g_region_next = region;
    g_region_end = region + kRegionBytes;
  }
  void* block = g_region_next;
  g_region_next += bytes;
  return block;
}

}  // namespace

void* internal_allocate(std::size_t bytes) noexcept {
  if (bytes > kInternalSmallMax) return map_bytes(large_bytes(bytes));
  const std::size_t rounded = class_bytes(bytes);
  size_class& c = g_classes[rounded / kAlign - 1];
  {
    spin_guard guard(c.lock);
    if (free_block* block = c.free) {
      c.free = block->next;
      return block;
    }
  }
  return carve(rounded);
}

void internal_release(void* memory, std::size_t bytes) noexcept {
  if (memory == nullptr) return;
  if (bytes > kInternalSmallMax) {
    const std::size_t mapped = large_bytes(bytes);
    munmap(memory, mapped);
    g_mapped.fetch_sub(mapped, std::memory_order_relaxed);
    return;
  }
  size_class& c = g_classes[class_bytes(bytes) / kAlign - 1];
  auto* block = static_cast<free_block*>(memory);
  spin_guard guard(c.lock);
  block->next = c.free;
  c.free = block;
}

void* internal_reallocate(void* memory, std::size_t old_bytes, std::size_t new_bytes) noexcept {
  void* grown = internal_allocate(new_bytes);
  if (grown == nullptr) return nullptr;
  if (memory != nullptr) {
    std::memcpy(grown, memory, old_bytes < new_bytes ? old_bytes : new_bytes);
    internal_release(memory, old_bytes);
  }
  return grown;
}

std::uint64_t internal_heap_mapped_bytes() noexcept {
  return g_mapped.load(std::memory_order_relaxed);
}

void internal_heap_after_fork() noexcept {
  for (size_class& c : g_classes) c.lock.reset_after_fork();
  g_region_lock.reset_after_fork();
}

}  // namespace concheck::race
