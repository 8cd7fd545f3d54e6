// concheck runtime: the table of live heap blocks race_heap.cpp keeps per
// shard. INTERNAL.
//
// An open-addressing hash table, block address -> heap_block, linear
// probing, the block stored in the slot (32 bytes). Its storage comes from
// mmap, never from malloc: the table of a node-based map put one 64-byte
// runtime allocation beside every application allocation, so the
// application's blocks were spread over twice the heap, and their shadow
// (4x, race/shadow_memory.hpp) over twice the pages: in bench/race's
// read_mostly, a std::map of 100,000 nodes, half of the process's shadow
// and a quarter of its peak memory (issue 12).
// Deletion shifts the following run back (no tombstones), so a table that
// sees many short-lived blocks stays as full as its live blocks. Capacity
// doubles past three quarters full (probe runs stay short: the hash mixes
// every address bit) and never shrinks. Cost: O(1) expected per find,
// insert and erase; growth O(n) (one mmap, one munmap). Memory: 32 bytes
// per slot, at most 8/3 slots per live block at the peak (untouched slots of
// a fresh mapping cost nothing until used). Not synchronized (race_heap.cpp
// calls it under its shard lock). Address 0 is not a block (it marks a free
// slot). No destructor, deliberately: the runtime's tables live in static
// storage and must outlive every hook that can run during exit; a table
// with a shorter life calls clear().
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

#include "race/race_heap.hpp"

namespace concheck::detail {

class heap_block_table {
 public:
  heap_block_table() noexcept = default;
  heap_block_table(const heap_block_table&) = delete;
  heap_block_table& operator=(const heap_block_table&) = delete;

  // Records `block` (replacing the block recorded at its address, if any);
  // false if memory ran out (the block goes unrecorded).
  bool insert(const heap_block& block) noexcept {
    if (block.address == 0) return false;
    if (heap_block* found = find(block.address)) {
      *found = block;
      return true;
    }
    if ((count_ + 1) * 4 > capacity() * 3 && !grow()) return false;
    std::size_t i = home(block.address);
    while (slots_[i].address != 0) i = (i + 1) & mask_;
    slots_[i] = block;
    ++count_;
    return true;
  }

  // The block recorded at `address`, or null.
  heap_block* find(std::uintptr_t address) noexcept {
    if (slots_ == nullptr || address == 0) return nullptr;
    for (std::size_t i = home(address);; i = (i + 1) & mask_) {
      if (slots_[i].address == address) return &slots_[i];
      if (slots_[i].address == 0) return nullptr;
    }
  }

  // Removes the block at `address` into `out`; false if none is recorded.
  bool erase(std::uintptr_t address, heap_block& out) noexcept {
    if (slots_ == nullptr || address == 0) return false;
    std::size_t hole = home(address);
    while (slots_[hole].address != address) {
      if (slots_[hole].address == 0) return false;
      hole = (hole + 1) & mask_;
    }
    out = slots_[hole];
    slots_[hole] = heap_block{};
    --count_;
    // Backward shift: move up every later slot of the run whose home is not
    // between the hole and it (cyclically), so lookups never stop early.
    for (std::size_t i = (hole + 1) & mask_; slots_[i].address != 0; i = (i + 1) & mask_) {
      const std::size_t wanted = home(slots_[i].address);
      const bool stays = hole <= i ? (hole < wanted && wanted <= i) : (hole < wanted || wanted <= i);
      if (stays) continue;
      slots_[hole] = slots_[i];
      slots_[i] = heap_block{};
      hole = i;
    }
    return true;
  }

  // Calls fn(block) for every recorded block, in no particular order.
  template <typename Fn>
  void for_each(Fn&& fn) const noexcept {
    for (std::size_t i = 0; i < capacity(); ++i) {
      if (slots_[i].address != 0) fn(slots_[i]);
    }
  }

  std::size_t size() const noexcept { return count_; }

  // Unmaps the slots: the table is empty and usable again.
  void clear() noexcept {
    if (slots_ != nullptr) munmap(slots_, capacity() * sizeof(heap_block));
    slots_ = nullptr;
    mask_ = 0;
    count_ = 0;
  }

 private:
  static_assert(sizeof(heap_block) == 32, "a slot is the block itself");

  std::size_t capacity() const noexcept { return slots_ == nullptr ? 0 : mask_ + 1; }
  std::size_t home(std::uintptr_t address) const noexcept {
    // Blocks are at least 16-byte aligned; mix every bit above.
    std::uint64_t h = (address ^ (address >> 31)) * 0xbf58476d1ce4e5b9ull;
    return static_cast<std::size_t>(h ^ (h >> 29)) & mask_;
  }

  bool grow() noexcept {
    const std::size_t old_capacity = capacity();
    const std::size_t new_capacity = old_capacity == 0 ? 128 : old_capacity * 2;  // 4 KiB at first
    void* memory = mmap(nullptr, new_capacity * sizeof(heap_block), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return false;
    heap_block* old = slots_;
    slots_ = static_cast<heap_block*>(memory);  // zero-filled: every slot free
    mask_ = new_capacity - 1;
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (old[i].address == 0) continue;
      std::size_t j = home(old[i].address);
      while (slots_[j].address != 0) j = (j + 1) & mask_;
      slots_[j] = old[i];
    }
    if (old != nullptr) munmap(old, old_capacity * sizeof(heap_block));
    return true;
  }

  heap_block* slots_ = nullptr;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace concheck::detail
