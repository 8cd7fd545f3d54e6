// concheck runtime: the table of live heap blocks race_heap.cpp keeps per
// shard. INTERNAL.
//
// An open-addressing hash table, block address -> heap_block, linear
// probing, the block stored in the slot (24 bytes: the allocating thread's
// id kept to 32 bits, 0 past that, as for a block of an unknown thread). Its storage comes from
// mmap, never from malloc: the table of a node-based map put one 64-byte
// runtime allocation beside every application allocation, so the
// application's blocks were spread over twice the heap, and their shadow
// (4x, race/shadow_memory.hpp) over twice the pages: in bench/race's
// read_mostly, a std::map of 100,000 nodes, half of the process's shadow
// and a quarter of its peak memory (issue 12).
// Deletion shifts the following run back (no tombstones), so a table that
// sees many short-lived blocks stays as full as its live blocks. Capacity
// grows by a quarter past four fifths full (probe runs stay short enough:
// the hash mixes every address bit, and the table is only used at
// allocation and free; any capacity: the home slot is the hash modulo it)
// and never shrinks. Cost: O(1) expected per find, insert and erase
// (about 13 slots, 5 cache lines, for a missing block at 4/5 full); growth
// O(n) (one mmap, one munmap), amortized 4 moves per insert. Memory: 24
// bytes per slot, between 5/4 and 25/16 slots per live block at the peak:
// read_mostly's 100,000 blocks take 3 to 3.7 MiB, where doubling
// power-of-two tables of 32-byte slots in 64 shards took 8. Not
// synchronized (race_heap.cpp calls it under its shard lock). Address 0 is
// not a block (it marks a free slot). No destructor, deliberately: the
// runtime's tables live in static storage and must outlive every hook that
// can run during exit; a table with a shorter life calls clear().
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
    if (slot* found = find_slot(block.address)) {
      *found = to_slot(block);
      return true;
    }
    if ((count_ + 1) * 5 > capacity_ * 4 && !grow()) return false;
    std::size_t i = home(block.address);
    while (slots_[i].address != 0) i = next(i);
    slots_[i] = to_slot(block);
    ++count_;
    return true;
  }

  // The block recorded at `address` into `out`; false if none is.
  bool find(std::uintptr_t address, heap_block& out) const noexcept {
    const slot* found = find_slot(address);
    if (found == nullptr) return false;
    out = to_block(*found);
    return true;
  }

  // Removes the block at `address` into `out`; false if none is recorded.
  bool erase(std::uintptr_t address, heap_block& out) noexcept {
    slot* found = find_slot(address);
    if (found == nullptr) return false;
    out = to_block(*found);
    std::size_t hole = static_cast<std::size_t>(found - slots_);
    slots_[hole] = slot{};
    --count_;
    // Backward shift: move up every later slot of the run whose home is not
    // between the hole and it (cyclically), so lookups never stop early.
    for (std::size_t i = next(hole); slots_[i].address != 0; i = next(i)) {
      const std::size_t wanted = home(slots_[i].address);
      const bool stays = hole <= i ? (hole < wanted && wanted <= i) : (hole < wanted || wanted <= i);
      if (stays) continue;
      slots_[hole] = slots_[i];
      slots_[i] = slot{};
      hole = i;
    }
    return true;
  }

  // Calls fn(block) for every recorded block, in no particular order.
  template <typename Fn>
  void for_each(Fn&& fn) const noexcept {
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (slots_[i].address != 0) fn(to_block(slots_[i]));
    }
  }

  std::size_t size() const noexcept { return count_; }

  // Unmaps the slots: the table is empty and usable again.
  void clear() noexcept {
    if (slots_ != nullptr) munmap(slots_, capacity_ * sizeof(slot));
    slots_ = nullptr;
    capacity_ = 0;
    count_ = 0;
  }

 private:
  struct slot {
    std::uintptr_t address = 0;
    std::uint64_t size = 0;
    std::uint32_t site = 0;
    std::uint32_t thread = 0;
  };
  static_assert(sizeof(slot) == 24, "24 bytes per slot");

  static slot to_slot(const heap_block& block) noexcept {
    const bool narrow = block.thread <= UINT32_MAX;
    return slot{block.address, block.size, block.site, narrow ? static_cast<std::uint32_t>(block.thread) : 0};
  }
  static heap_block to_block(const slot& s) noexcept {
    return heap_block{s.address, static_cast<std::size_t>(s.size), s.site, s.thread};
  }

  slot* find_slot(std::uintptr_t address) const noexcept {
    if (slots_ == nullptr || address == 0) return nullptr;
    for (std::size_t i = home(address);; i = next(i)) {
      if (slots_[i].address == address) return &slots_[i];
      if (slots_[i].address == 0) return nullptr;
    }
  }

  std::size_t next(std::size_t i) const noexcept { return i + 1 == capacity_ ? 0 : i + 1; }
  std::size_t home(std::uintptr_t address) const noexcept {
    // Blocks are at least 16-byte aligned; mix every bit above, then reduce
    // to [0, capacity) (one division: an allocation or a free, not an access).
    std::uint64_t h = (address ^ (address >> 31)) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return static_cast<std::size_t>(h % capacity_);
  }

  bool grow() noexcept {
    const std::size_t old_capacity = capacity_;
    const std::size_t new_capacity =
        old_capacity == 0 ? 170 : old_capacity + old_capacity / 4;  // 4 KiB at first
    void* memory = mmap(nullptr, new_capacity * sizeof(slot), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return false;
    slot* old = slots_;
    slots_ = static_cast<slot*>(memory);  // zero-filled: every slot free
    capacity_ = new_capacity;
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (old[i].address == 0) continue;
      std::size_t j = home(old[i].address);
      while (slots_[j].address != 0) j = next(j);
      slots_[j] = old[i];
    }
    if (old != nullptr) munmap(old, old_capacity * sizeof(slot));
    return true;
  }

  slot* slots_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t count_ = 0;
};

}  // namespace concheck::detail
