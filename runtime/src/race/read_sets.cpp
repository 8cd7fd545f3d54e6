// concheck runtime, race engine: read sets (read_sets.hpp).
#include "race/read_sets.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "race/race_spin_lock.hpp"

namespace concheck::race {
namespace {

constexpr std::uint64_t kBlockShift = 12;
constexpr std::uint64_t kBlockSize = std::uint64_t{1} << kBlockShift;
constexpr std::uint64_t kMaxBlocks = std::uint64_t{1} << 16;

std::atomic<read_set*> g_blocks[kMaxBlocks];
spin_lock g_pool_lock;
std::uint64_t g_next = 1;  // index 0 is "none"
std::uint64_t g_free_head = 0;
std::atomic<std::uint64_t> g_in_use{0};

// A free entry keeps the next free index in `count`/`capacity`.
std::uint64_t next_free_of(read_set& set) noexcept {
  return (std::uint64_t{set.capacity} << 32) | set.count;
}

}  // namespace

bool read_set::push(const read_item& item) noexcept {
  if (count >= 4 && count - 4 >= capacity) {
    const std::uint32_t grown = capacity == 0 ? 4 : capacity * 2;
    void* memory = std::realloc(more, grown * sizeof(read_item));
    if (memory == nullptr) return false;
    more = static_cast<read_item*>(memory);
    capacity = grown;
  }
  at(count++) = item;
  return true;
}

void read_set::erase(std::uint32_t i) noexcept {
  at(i) = at(count - 1);
  --count;
}

read_set& read_set_at(std::uint64_t index) noexcept {
  return g_blocks[index >> kBlockShift].load(std::memory_order_acquire)[index & (kBlockSize - 1)];
}

std::uint64_t read_set_allocate() noexcept {
  spin_guard guard(g_pool_lock);
  std::uint64_t index = g_free_head;
  if (index != 0) {
    read_set& set = read_set_at(index);
    g_free_head = next_free_of(set);
    set = read_set{};
  } else {
    index = g_next;
    const std::uint64_t block = index >> kBlockShift;
    if (block >= kMaxBlocks) return 0;
    if (g_blocks[block].load(std::memory_order_relaxed) == nullptr) {
      void* memory = mmap(nullptr, kBlockSize * sizeof(read_set), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (memory == MAP_FAILED) return 0;
      g_blocks[block].store(static_cast<read_set*>(memory), std::memory_order_release);
    }
    ++g_next;
    new (&read_set_at(index)) read_set{};
  }
  g_in_use.fetch_add(1, std::memory_order_relaxed);
  return index;
}

void read_set_free(std::uint64_t index) noexcept {
  if (index == 0) return;
  read_set& set = read_set_at(index);
  std::free(set.more);
  spin_guard guard(g_pool_lock);
  set = read_set{};
  set.count = static_cast<std::uint32_t>(g_free_head);
  set.capacity = static_cast<std::uint32_t>(g_free_head >> 32);
  g_free_head = index;
  g_in_use.fetch_sub(1, std::memory_order_relaxed);
}

void read_sets_after_fork() noexcept {
  g_pool_lock.reset_after_fork();
}

std::uint64_t read_sets_in_use() noexcept {
  return g_in_use.load(std::memory_order_relaxed);
}

}  // namespace concheck::race
