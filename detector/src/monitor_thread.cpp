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

std::unique_ptr<monitor_thread::edge_cache::table> monitor_thread::edge_cache::make_table(
    std::size_t sets) noexcept {
  std::unique_ptr<table> t(new (std::nothrow) table);
  if (t == nullptr) return nullptr;
  t->entries.reset(new (std::nothrow) entry[kWays * sets]);
  if (t->entries == nullptr) return nullptr;
  t->sets = sets;
  t->shift = 64 - static_cast<unsigned>(std::bit_width(sets - 1));
  return t;
}

void monitor_thread::edge_cache::insert(lock_id from, lock_id to, std::uint64_t context) noexcept {
  if (current == nullptr) {
    tables[0] = make_table(kInitialSets);
    if (tables[0] == nullptr) return;  // no cache: every nested acquisition takes the slow path
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the table is complete before it is seen
    current = tables[0].get();
  }
  auto* e = const_cast<entry*>(set_of(*current, from, to));
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
  if (current == nullptr || current->sets >= kMaxSets) return;
  if (++misses < kWays * current->sets / 2) return;
  // The working set does not fit: double into a new table, keeping the
  // entries (oldest ways first, so each set's newest entries end up first
  // again); the old table stays allocated (an interrupted lookup may use it).
  std::size_t next = 0;
  while (next < kMaxTables && tables[next] != nullptr) ++next;
  if (next == kMaxTables) return;
  const table& old = *current;
  tables[next] = make_table(2 * old.sets);
  if (tables[next] == nullptr) return;
  table& grown = *tables[next];
  misses = 0;
  for (std::size_t w = kWays; w-- > 0;) {
    for (std::size_t i = 0; i < old.sets; ++i) {
      const entry& e = old.entries[kWays * i + w];
      if (e.from == 0) continue;
      auto* set = const_cast<entry*>(set_of(grown, e.from, e.to));
      for (std::size_t k = kWays - 1; k > 0; --k) set[k] = set[k - 1];
      set[0] = e;
    }
  }
  std::atomic_signal_fence(std::memory_order_seq_cst);
  current = &grown;
}

void monitor_thread::edge_cache::clear() noexcept {
  if (current == nullptr) return;
  for (std::size_t i = 0; i < kWays * current->sets; ++i) current->entries[i] = entry{};
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
