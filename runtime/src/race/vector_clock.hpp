// concheck runtime, race engine: vector clocks. INTERNAL.
//
// A vector clock maps each thread slot (thread_slots.hpp) to the last clock
// value of that slot that happened before its owner's current point. Stored
// densely, indexed by slot, as many entries as the highest slot it has heard
// of (a missing entry is 0), grown on demand. Clocks use 40 bits (epoch
// encoding, shadow_memory.hpp); 2^40 releases by one slot are not expected.
// The first kInlineSlots entries live in the object itself, so the clock of
// a program with few threads is one cache line with its owner (a lock's
// clock found in its table slot costs no second miss at every lock and
// unlock); wider clocks move to storage from the engine's internal heap
// (internal_heap.hpp: mmap'd, never the program's malloc, whose heap
// entries between the program's blocks would spread, with its shadow).
// Cost: join and assign O(width); get O(1), a bounds check and a load. Memory: 48 bytes, plus 8 bytes
// per slot of width past kInlineSlots (rounded to 16). Not
// synchronized: the owner (a thread context, a sync-clock shard under its
// lock) serializes access.
#pragma once

#include <cstdint>

namespace concheck::race {

class vector_clock {
 public:
  vector_clock() noexcept = default;
  ~vector_clock();
  vector_clock(vector_clock&& other) noexcept;
  vector_clock& operator=(vector_clock&& other) noexcept;
  vector_clock(const vector_clock&) = delete;
  vector_clock& operator=(const vector_clock&) = delete;

  static constexpr std::uint32_t kInlineSlots = 4;

  std::uint64_t get(std::uint32_t slot) const noexcept { return slot < size_ ? data_[slot] : 0; }
  void set(std::uint32_t slot, std::uint64_t clock) noexcept;
  // Entry-wise maximum.
  void join(const vector_clock& other) noexcept;
  // Becomes a copy of `other`.
  void assign(const vector_clock& other) noexcept;
  // Every entry <= other's.
  bool ordered_before(const vector_clock& other) const noexcept;
  std::uint32_t size() const noexcept { return size_; }
  // Frees the storage.
  void clear() noexcept;

 private:
  bool reserve(std::uint32_t size) noexcept;
  bool on_heap() const noexcept { return data_ != inline_; }
  std::uint64_t* data() noexcept { return data_; }
  const std::uint64_t* data() const noexcept { return data_; }

  // The entries: inline_ or internal-heap storage, never null, so that get() is
  // a bounds check and a load (no choice between the two: race engine's
  // read_past_fast_check makes two gets per read, issue 12). Points into
  // the object itself, so a clock moves only by its move operations.
  std::uint64_t* data_ = inline_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInlineSlots;  // of heap_, or of inline_
  std::uint64_t inline_[kInlineSlots] = {};
};

// Live vector clocks' storage, for engine statistics.
std::uint64_t vector_clock_bytes() noexcept;

}  // namespace concheck::race
