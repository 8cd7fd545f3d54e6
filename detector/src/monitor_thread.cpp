// concheck detector: the per-thread part of the monitor (held locks, edge cache).
#include <bit>
#include <cstring>
#include <new>

#include "concheck/detector/monitor.hpp"
#include "monitor_internal.hpp"

namespace concheck::detector {

monitor_thread::monitor_thread(thread_id id) noexcept : id_(id) {}

monitor_thread::~monitor_thread() {
  for (auto& chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
}

void monitor_thread::reset(thread_id id) noexcept {
  begin_change();
  id_ = id;
  count_.store(0, std::memory_order_relaxed);
  cache_.clear();
  end_change();
}

void monitor_thread::edge_cache::insert(lock_id from, lock_id to, std::uint64_t context) noexcept {
  if (entries == nullptr) {
    entries.reset(new (std::nothrow) entry[kWays * kInitialSets]);
    if (entries == nullptr) return;  // no cache: every nested acquisition takes the slow path
    set_mask = kInitialSets - 1;
    set_shift = 64 - static_cast<unsigned>(std::bit_width(set_mask));
  }
  entry* e = const_cast<entry*>(set_of(from, to));
  // Newest first; an entry for the same edge (older context) is replaced,
  // else the oldest way is dropped.
  std::size_t at = kWays - 1;
  for (std::size_t w = 0; w < kWays; ++w) {
    if (e[w].from == from && e[w].to == to) {
      at = w;
      break;
    }
  }
  for (std::size_t w = at; w > 0; --w) e[w] = e[w - 1];
  e[0] = entry{from, to, context};
}

void monitor_thread::edge_cache::note_miss() noexcept {
  if (entries == nullptr || set_mask + 1 >= kMaxSets) return;
  if (++misses < kWays * (set_mask + 1) / 2) return;
  // The working set does not fit: double, keeping the entries (oldest ways
  // first, so each set's newest entries end up first again).
  const std::size_t old_sets = set_mask + 1;
  const std::size_t sets = 2 * old_sets;
  std::unique_ptr<entry[]> old(new (std::nothrow) entry[kWays * sets]);
  if (old == nullptr) return;
  old.swap(entries);
  set_mask = sets - 1;
  set_shift = 64 - static_cast<unsigned>(std::bit_width(set_mask));
  misses = 0;
  for (std::size_t w = kWays; w-- > 0;) {
    for (std::size_t i = 0; i < old_sets; ++i) {
      const entry& e = old[kWays * i + w];
      if (e.from != 0) insert(e.from, e.to, e.context);
    }
  }
}

void monitor_thread::edge_cache::clear() noexcept {
  if (entries == nullptr) return;
  for (std::size_t i = 0; i < kWays * (set_mask + 1); ++i) entries[i] = entry{};
  misses = 0;
}

void monitor_thread::push_slow(const held_lock& entry) noexcept {
  push(entry);
}

held_lock monitor_thread::held(std::size_t index) const noexcept {
  return slot_at(index).load();
}

bool monitor_thread::find_held(lock_id lock, held_lock& out) const noexcept {
  const std::size_t index = index_of(lock);
  if (index == kNotFound) return false;
  out = slot_at(index).load();
  return true;
}

std::vector<held_lock> monitor_thread::held_locks() const {
  std::vector<held_lock> out;
  const std::size_t n = held_count();
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(slot_at(i).load());
  return out;
}

bool monitor_thread::snapshot_held(std::vector<held_lock>& out, std::uint64_t& sequence_out) const {
  const std::uint64_t before = seq_.load(std::memory_order_acquire);
  if (before & 1) return false;
  out.clear();
  const std::size_t n = count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    // A chunk the owner is publishing right now may still be null: the
    // sequence check below rejects such a read.
    if (i >= kInline) {
      const std::size_t j = i / kInline + 1;
      const std::size_t k = static_cast<std::size_t>(std::bit_width(j)) - 2;
      if (chunks_[k].load(std::memory_order_acquire) == nullptr) return false;
    }
    out.push_back(slot_at(i).load());
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  const std::uint64_t after = seq_.load(std::memory_order_relaxed);
  if (after != before) return false;
  sequence_out = before;
  return true;
}

}  // namespace concheck::detector
