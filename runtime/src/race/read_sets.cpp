// concheck runtime, race engine: read sets (read_sets.hpp).
#include "race/read_sets.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "race/race_spin_lock.hpp"
#include "race/shadow_memory.hpp"
#include "thread_registry.hpp"

namespace concheck::race {

std::atomic<read_set*> g_read_set_blocks[kReadSetBlocks];

namespace {

constexpr std::uint64_t kBlockSize = std::uint64_t{1} << kReadSetBlockShift;
constexpr std::uint64_t kMaxBlocks = kReadSetBlocks;

// A block: kBlockSize sets, then their kBlockSize owner words.
constexpr std::size_t kBlockBytes = kBlockSize * (sizeof(read_set) + sizeof(std::uint64_t));

spin_lock g_pool_lock;
std::uint64_t g_next = 1;  // index 0 is "none"
std::uint64_t g_free_head = 0;
std::uint64_t g_sweep_at = kBlockSize;  // the next sweep when g_next reaches this
std::atomic<std::uint64_t> g_in_use{0};

// A free entry keeps the next free index in `more` (never in its inline
// epochs, which a lock-free path of the engine may still compare and swap).
std::uint64_t next_free_of(read_set& set) noexcept {
  return reinterpret_cast<std::uintptr_t>(set.more);
}

// Empties the entry for its next use or the free list, keeping its tag
// (read_set says why it must change at every allocation, never go back).
void clear_entry(read_set& set) noexcept {
  const std::uint32_t tag = set.tag;
  set.more = nullptr;
  set.capacity = 0;
  for (std::uint32_t i = 0; i < 4; ++i) {
    __atomic_store_n(&set.lines[i].epoch, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&set.lines[i].witness, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&set.lines[i].site, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&set.slots[i], 0, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&set.count, 0, __ATOMIC_RELAXED);
  set.tag = tag;
}

// The granule whose R names the set, 0 if none (free or detached).
std::atomic<std::uint64_t>& owner_of(std::uint64_t index) noexcept {
  read_set* block = g_read_set_blocks[index >> kReadSetBlockShift].load(std::memory_order_acquire);
  return reinterpret_cast<std::atomic<std::uint64_t>*>(block + kBlockSize)[index & (kBlockSize - 1)];
}

// Puts the set on the free list; the pool lock is held.
void free_locked(std::uint64_t index) noexcept {
  read_set& set = read_set_at(index);
  owner_of(index).store(0, std::memory_order_relaxed);
  clear_entry(set);
  set.more = reinterpret_cast<read_item*>(static_cast<std::uintptr_t>(g_free_head));
  g_free_head = index;
  g_in_use.fetch_sub(1, std::memory_order_relaxed);
}

// read_sets_sweep with the pool lock held.
std::uint64_t sweep_locked() noexcept {
  std::uint64_t freed = 0;
  for (std::uint64_t index = 1; index < g_next; ++index) {
    const std::uint64_t granule = owner_of(index).load(std::memory_order_acquire);
    if (granule == 0) continue;
    spin_lock& stripe = stripe_lock_for(granule);
    if (!stripe.try_lock()) continue;  // in use now (perhaps being built): next sweep
    // Stable now: detaching needs this stripe lock, freeing the pool lock.
    if (owner_of(index).load(std::memory_order_relaxed) == granule) {
      const shadow_cell* cell = shadow_cell_if_mapped(granule);
      const std::uint64_t r = cell == nullptr ? 0 : cell->read.load(std::memory_order_relaxed);
      if (!is_read_shared(r) || epoch_clock(r) != index) {
        std::free(read_set_at(index).more);
        free_locked(index);
        ++freed;
      }
    }
    stripe.unlock();
  }
  return freed;
}

}  // namespace

bool read_set::push(const read_item& item) noexcept {
  if (count >= 4 && count - 4 >= capacity) {
    const std::uint32_t grown = capacity == 0 ? 4 : capacity * 2;
    if (grown > 0xffff) return false;  // never: at most one item per thread slot
    void* memory = std::realloc(more, grown * sizeof(read_item));
    if (memory == nullptr) return false;
    more = static_cast<read_item*>(memory);
    capacity = static_cast<std::uint16_t>(grown);
  }
  set(count, item);
  __atomic_store_n(&count, static_cast<std::uint16_t>(count + 1), __ATOMIC_RELEASE);
  return true;
}

void read_set::erase(std::uint32_t i) noexcept {
  const std::uint32_t last = count - 1u;
  if (i != last) set(i, at(last));
  __atomic_store_n(&count, static_cast<std::uint16_t>(last), __ATOMIC_RELEASE);
  // The vacated inline line is emptied: its reader (moved to i, or pruned)
  // may still find it by its memo (race_engine.cpp's read-shared path, which
  // does not read the count), and would update a line past the count, its
  // reads of the granule lost until that line is used again. Empty, it sends
  // the reader to the header's slots or to the slow path.
  if (last < 4) {
    __atomic_store_n(&lines[last].witness, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&lines[last].epoch, 0, __ATOMIC_RELEASE);
  }
}

std::uint64_t read_set_allocate(std::uintptr_t granule) noexcept {
  spin_guard guard(g_pool_lock);
  if (g_free_head == 0 && g_next >= g_sweep_at) {
    // The sweep frees sets' heap arrays: as the engine's own memory, never
    // tracked (a tracked free would reset shadow, taking stripe locks while
    // this thread holds the pool lock). The engine allocates under this
    // scope already; a direct caller (a test) may not.
    detail::inside_scope inside;
    sweep_locked();
    const std::uint64_t in_use = g_in_use.load(std::memory_order_relaxed);
    g_sweep_at = g_next + (in_use > kBlockSize ? in_use : kBlockSize);
  }
  std::uint64_t index = g_free_head;
  if (index != 0) {
    read_set& set = read_set_at(index);
    g_free_head = next_free_of(set);
    set.more = nullptr;
  } else {
    index = g_next;
    const std::uint64_t block = index >> kReadSetBlockShift;
    if (block >= kMaxBlocks) return 0;
    if (g_read_set_blocks[block].load(std::memory_order_relaxed) == nullptr) {
      void* memory = mmap(nullptr, kBlockBytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (memory == MAP_FAILED) return 0;
      g_read_set_blocks[block].store(static_cast<read_set*>(memory), std::memory_order_release);
    }
    ++g_next;
    new (&read_set_at(index)) read_set{};
  }
  read_set_at(index).tag += 1;
  owner_of(index).store(granule, std::memory_order_release);
  g_in_use.fetch_add(1, std::memory_order_relaxed);
  return index;
}

void read_set_detach(std::uint64_t index) noexcept {
  if (index != 0) owner_of(index).store(0, std::memory_order_relaxed);
}

void read_set_free(std::uint64_t index) noexcept {
  if (index == 0) return;
  std::free(read_set_at(index).more);
  spin_guard guard(g_pool_lock);
  free_locked(index);
}

std::uint64_t read_sets_sweep() noexcept {
  detail::inside_scope inside;  // sweep_locked frees heap arrays
  spin_guard guard(g_pool_lock);
  return sweep_locked();
}

void read_sets_after_fork() noexcept {
  g_pool_lock.reset_after_fork();
}

std::uint64_t read_sets_in_use() noexcept {
  return g_in_use.load(std::memory_order_relaxed);
}

}  // namespace concheck::race
