// concheck runtime, race engine: sync object clocks (sync_clocks.hpp).
#include "race/sync_clocks.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <new>

#include "race/id_clock_table.hpp"
#include "race/internal_heap.hpp"
#include "race/race_spin_lock.hpp"

namespace concheck::race {
namespace {

constexpr std::size_t kShards = 64;
constexpr unsigned kLineShift = 6;
constexpr unsigned kPageShift = 12;
constexpr std::size_t kPageCounts = 4096;

// Address clocks' nodes come from the internal heap, not the program's
// malloc: a program that releases thousands of atomics (re2's DFA, one per
// transition) would otherwise have one node and one clock between each of
// its blocks, its heap and its shadow spread over several times the
// address space (internal_heap.hpp).
using address_clocks = std::map<std::uintptr_t, vector_clock, std::less<>,
                                internal_allocator<std::pair<const std::uintptr_t, vector_clock>>>;

struct alignas(64) shard {
  spin_lock lock;
  address_clocks* clocks = nullptr;  // made on first release, never destroyed
  // Keys that are not addresses (lock ids): no range ever covers them, so
  // they need no order, and a hash lookup is one cache miss where the map's
  // walk down its tree is ~log2(n) (a program with thousands of locks pays
  // that at every lock and unlock).
  id_clock_table ids;
};
shard g_shards[kShards];
std::atomic<std::uint64_t> g_count{0};
// Address clocks per hashed 4 KiB page (sync_clocks.hpp): changed under the
// clock's shard lock, read by forget_range without one.
std::atomic<std::uint32_t> g_page_clocks[kPageCounts];

std::atomic<std::uint32_t>& page_count(std::uintptr_t address) noexcept {
  const std::uintptr_t page = address >> kPageShift;
  return g_page_clocks[(page ^ (page >> 12) ^ (page >> 24)) % kPageCounts];
}

// Addresses shard by their 64-byte line. Keys with the top bit set are not
// addresses (race_sync.cpp's lock ids, numbered from 1) and no range covers
// them: they shard by their whole value, or every lock of a program would
// share one shard's lock.
std::size_t shard_index(std::uintptr_t address) noexcept {
  if ((address >> 63) != 0) return ((address * 0x9e3779b97f4a7c15ull) >> 58) % kShards;
  return (((address >> kLineShift) * 0x9e3779b97f4a7c15ull) >> 58) % kShards;
}
shard& shard_of(std::uintptr_t address) noexcept {
  return g_shards[shard_index(address)];
}

void note_erased(std::uintptr_t address) noexcept {
  g_count.fetch_sub(1, std::memory_order_relaxed);
  page_count(address).fetch_sub(1, std::memory_order_relaxed);
}

// Erases s's address clocks in [begin, end).
void erase_in(shard& s, std::uintptr_t begin, std::uintptr_t end) noexcept {
  spin_guard guard(s.lock);
  if (s.clocks == nullptr) return;
  auto it = s.clocks->lower_bound(begin);
  while (it != s.clocks->end() && it->first < end) {
    note_erased(it->first);
    it = s.clocks->erase(it);
  }
}

}  // namespace

namespace {

bool is_id(std::uintptr_t key) noexcept {
  return (key >> 63) != 0;
}

bool apply_to_id(shard& s, std::uintptr_t id, vector_clock& clock, sync_merge how) noexcept {
  if (how == sync_merge::acquire) {
    vector_clock* found = s.ids.find(id);
    if (found == nullptr) return false;
    clock.join(*found);
    return true;
  }
  bool inserted = false;
  vector_clock* object = s.ids.find_or_insert(id, inserted);
  if (object == nullptr)
    return true;  // out of memory: this release is lost (its acquirers may see a false race)
  if (inserted) g_count.fetch_add(1, std::memory_order_relaxed);
  if (how == sync_merge::release_store) {
    object->assign(clock);
  } else {
    object->join(clock);
  }
  return true;
}

}  // namespace

bool sync_apply(std::uintptr_t address, vector_clock& clock, sync_merge how) noexcept {
  shard& s = shard_of(address);
  spin_guard guard(s.lock);
  if (is_id(address)) return apply_to_id(s, address, clock, how);
  if (how == sync_merge::acquire) {
    if (s.clocks == nullptr) return false;
    auto found = s.clocks->find(address);
    if (found == s.clocks->end()) return false;
    clock.join(found->second);
    return true;
  }
  try {
    if (s.clocks == nullptr) s.clocks = new address_clocks();
    auto [it, inserted] = s.clocks->try_emplace(address);
    if (inserted) {
      g_count.fetch_add(1, std::memory_order_relaxed);
      page_count(address).fetch_add(1, std::memory_order_relaxed);
    }
    if (how == sync_merge::release_store) {
      it->second.assign(clock);
    } else {
      it->second.join(clock);
    }
  } catch (...) {
    // out of memory: this release is lost (its acquirers may see a race that is not one)
  }
  return true;
}

void sync_forget(std::uintptr_t address) noexcept {
  shard& s = shard_of(address);
  spin_guard guard(s.lock);
  if (is_id(address)) {
    if (s.ids.erase(address)) g_count.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  if (s.clocks != nullptr && s.clocks->erase(address) != 0) note_erased(address);
}

void sync_forget_range(std::uintptr_t begin, std::uintptr_t end) noexcept {
  if (begin >= end || g_count.load(std::memory_order_relaxed) == 0) return;
  // Almost every freed block holds no sync object: its pages' counts say so.
  const std::uintptr_t first_page = begin >> kPageShift;
  const std::uintptr_t last_page = (end - 1) >> kPageShift;
  if (last_page - first_page < kPageCounts) {
    bool any = false;
    for (std::uintptr_t page = first_page; page <= last_page && !any; ++page) {
      any = page_count(page << kPageShift).load(std::memory_order_relaxed) != 0;
    }
    if (!any) return;
  }
  const std::uintptr_t first_line = begin >> kLineShift;
  const std::uintptr_t last_line = (end - 1) >> kLineShift;
  if (last_line - first_line < kShards) {
    for (std::uintptr_t line = first_line; line <= last_line; ++line) {
      const std::uintptr_t line_begin = line << kLineShift;
      erase_in(shard_of(line_begin), std::max(begin, line_begin),
               std::min(end, line_begin + (1u << kLineShift)));
    }
    return;
  }
  for (shard& s : g_shards) erase_in(s, begin, end);
}

void sync_clocks_after_fork() noexcept {
  for (shard& s : g_shards) s.lock.reset_after_fork();
}

std::size_t sync_shard_of(std::uintptr_t address) noexcept {
  return shard_index(address);
}

std::uint64_t sync_clock_count() noexcept {
  return g_count.load(std::memory_order_relaxed);
}

}  // namespace concheck::race
