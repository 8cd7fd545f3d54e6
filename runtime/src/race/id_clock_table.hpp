// concheck runtime, race engine: the clocks of sync objects known by an id
// rather than an address (lock ids, race_sync.cpp). INTERNAL.
//
// An open-addressing hash table, key -> vector clock, linear probing, the
// clock's header stored in the slot: a lookup is one cache line of the table
// (plus the clock's entries), where a node-based map costs a bucket, a node
// and then the clock (a program with thousands of locks paid those misses
// at every lock and unlock). Deletion shifts the following run back (no
// tombstones), so a table that sees many short-lived ids stays as full as
// its live ids. Capacity doubles past half full. Cost: O(1) expected per
// find, insert and erase; growth O(n). Memory: 24 bytes per slot, at most
// 4 slots per live id, plus the clocks. Not synchronized (sync_clocks.cpp
// calls it under its shard lock); allocates with malloc, so callers run
// under inside_scope. Key 0 is not an id (it marks a free slot). No
// destructor, deliberately: the runtime's tables live in static storage and
// must outlive every hook that can run during exit; a table with a shorter
// life calls clear().
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "race/vector_clock.hpp"

namespace concheck::race {

class id_clock_table {
 public:
  id_clock_table() noexcept = default;
  id_clock_table(const id_clock_table&) = delete;
  id_clock_table& operator=(const id_clock_table&) = delete;

  // The clock of `key`, or null.
  vector_clock* find(std::uint64_t key) noexcept {
    if (slots_ == nullptr) return nullptr;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].clock;
      if (slots_[i].key == 0) return nullptr;
    }
  }

  // The clock of `key`, made empty if missing (`inserted` says so); null if
  // memory ran out.
  vector_clock* find_or_insert(std::uint64_t key, bool& inserted) noexcept {
    inserted = false;
    if (vector_clock* found = find(key)) return found;
    if ((count_ + 1) * 2 > capacity() && !grow()) return nullptr;
    std::size_t i = home(key);
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i].key = key;
    ++count_;
    inserted = true;
    return &slots_[i].clock;
  }

  // Frees every clock and the slots: the table is empty and usable again.
  void clear() noexcept {
    for (std::size_t i = 0; i < capacity(); ++i) slots_[i].~slot();
    std::free(slots_);
    slots_ = nullptr;
    mask_ = 0;
    count_ = 0;
  }

  // Drops `key`'s clock; false if it had none.
  bool erase(std::uint64_t key) noexcept {
    if (slots_ == nullptr) return false;
    std::size_t hole = home(key);
    while (slots_[hole].key != key) {
      if (slots_[hole].key == 0) return false;
      hole = (hole + 1) & mask_;
    }
    slots_[hole].clock.clear();
    slots_[hole].key = 0;
    --count_;
    // Backward shift: move up every later slot of the run whose home is not
    // between the hole and it (cyclically), so lookups never stop early.
    for (std::size_t i = (hole + 1) & mask_; slots_[i].key != 0; i = (i + 1) & mask_) {
      const std::size_t wanted = home(slots_[i].key);
      const bool stays = hole <= i ? (hole < wanted && wanted <= i) : (hole < wanted || wanted <= i);
      if (stays) continue;
      slots_[hole].key = slots_[i].key;
      slots_[hole].clock = std::move(slots_[i].clock);
      slots_[i].key = 0;
      hole = i;
    }
    return true;
  }

 private:
  struct slot {
    std::uint64_t key = 0;
    vector_clock clock;
  };

  std::size_t capacity() const noexcept { return slots_ == nullptr ? 0 : mask_ + 1; }
  std::size_t home(std::uint64_t key) const noexcept {
    std::uint64_t h = (key ^ (key >> 31)) * 0xbf58476d1ce4e5b9ull;
    return static_cast<std::size_t>(h ^ (h >> 29)) & mask_;
  }

  bool grow() noexcept {
    const std::size_t old_capacity = capacity();
    const std::size_t new_capacity = old_capacity == 0 ? 64 : old_capacity * 2;
    auto* fresh = static_cast<slot*>(std::calloc(new_capacity, sizeof(slot)));
    if (fresh == nullptr) return false;
    for (std::size_t i = 0; i < new_capacity; ++i) new (&fresh[i]) slot();
    slot* old = slots_;
    slots_ = fresh;
    mask_ = new_capacity - 1;
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (old[i].key == 0) continue;
      std::size_t j = home(old[i].key);
      while (slots_[j].key != 0) j = (j + 1) & mask_;
      slots_[j].key = old[i].key;
      slots_[j].clock = std::move(old[i].clock);
    }
    for (std::size_t i = 0; i < old_capacity; ++i) old[i].~slot();
    std::free(old);
    return true;
  }

  slot* slots_ = nullptr;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace concheck::race
