// concheck runtime, race engine: sync object clocks (sync_clocks.hpp).
#include "race/sync_clocks.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <new>

#include "race/id_clock_table.hpp"
#include "race/race_spin_lock.hpp"

namespace concheck::race {
namespace {

constexpr std::size_t kShards = 64;
constexpr unsigned kRegionShift = 16;

struct alignas(64) shard {
  spin_lock lock;
  std::map<std::uintptr_t, vector_clock>* clocks = nullptr;  // made on first release, never destroyed
  // Keys that are not addresses (lock ids): no range ever covers them, so
  // they need no order, and a hash lookup is one cache miss where the map's
  // walk down its tree is ~log2(n) (a program with thousands of locks pays
  // that at every lock and unlock).
  id_clock_table ids;
};
shard g_shards[kShards];
std::atomic<std::uint64_t> g_count{0};

// Addresses shard by 64 KiB region, so forget_range visits few shards. Keys
// with the top bit set are not addresses (race_sync.cpp's lock ids, numbered
// from 1) and no range covers them: they shard by their whole value, or
// every lock of a program would share one shard's lock.
shard& shard_of(std::uintptr_t address) noexcept {
  if ((address >> 63) != 0) {
    return g_shards[((address * 0x9e3779b97f4a7c15ull) >> 58) % kShards];
  }
  const std::uintptr_t region = address >> kRegionShift;
  return g_shards[(region ^ (region >> 6) ^ (region >> 12)) % kShards];
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
    if (s.clocks == nullptr) s.clocks = new std::map<std::uintptr_t, vector_clock>();
    auto [it, inserted] = s.clocks->try_emplace(address);
    if (inserted) g_count.fetch_add(1, std::memory_order_relaxed);
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
  if (s.clocks != nullptr && s.clocks->erase(address) != 0) g_count.fetch_sub(1, std::memory_order_relaxed);
}

void sync_forget_range(std::uintptr_t begin, std::uintptr_t end) noexcept {
  if (begin >= end || g_count.load(std::memory_order_relaxed) == 0) return;
  // Each region of the range once; past kShards regions every shard is visited once.
  const std::uintptr_t first = begin >> kRegionShift;
  const std::uintptr_t last = (end - 1) >> kRegionShift;
  const bool all = last - first >= kShards;
  for (std::uintptr_t region = first; region <= last; ++region) {
    shard& s = all ? g_shards[region - first] : shard_of(region << kRegionShift);
    {
      spin_guard guard(s.lock);
      if (s.clocks != nullptr) {
        auto from = s.clocks->lower_bound(all ? begin : std::max(begin, region << kRegionShift));
        auto to = s.clocks->lower_bound(all ? end : std::min(end, (region + 1) << kRegionShift));
        for (auto it = from; it != to;) {
          it = s.clocks->erase(it);
          g_count.fetch_sub(1, std::memory_order_relaxed);
        }
      }
    }
    if (all && region - first + 1 == kShards) break;
  }
}

void sync_clocks_after_fork() noexcept {
  for (shard& s : g_shards) s.lock.reset_after_fork();
}

std::uint64_t sync_clock_count() noexcept {
  return g_count.load(std::memory_order_relaxed);
}

}  // namespace concheck::race
