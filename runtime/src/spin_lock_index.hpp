// concheck runtime: spin lock identity. INTERNAL.
//
// pthread_spinlock_t is an int with no spare bytes, so a spin lock cannot
// carry its id in a stamp as mutexes and rwlocks do (lock_registry.hpp): this
// table maps its address to its id.
// Algorithm: open addressing with linear probing over 16,384 slots of 16
// bytes (256 KiB, mmap'd when the first spin lock is seen, never resized or
// freed). An entry is live (the spin lock's id) or ended (the id of a spin
// lock that was destroyed, so a later use can be reported); removal leaves a
// tombstone. When live, ended and tombstone slots reach 3/4 of the table, it
// is rebuilt in place without tombstones and, if that is not enough, without
// ended entries; past 12,288 live spin locks, put() fails and the caller
// keeps those in its locked address table (still instrumented, slower).
// Locking: writers are serialized by the caller (the lock registry's table
// lock); readers take no lock. A table-wide sequence number is odd while a
// writer changes the table (a seqlock, like the thread states of
// docs/event-model.md): a read that overlapped a change is retried, and after
// a few tries find() answers "unknown" and the caller takes its locked path.
// Cost: a lookup is two loads of the sequence word (a cache line that stays
// shared while no spin lock is created or destroyed), a multiplicative hash
// and, at the load factor kept, one or two probes; put/erase O(1) amortized;
// a rebuild O(slots) under the caller's lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "concheck/detector/monitor.hpp"

namespace concheck::detail {

class spin_lock_index {
 public:
  struct entry {
    detector::lock_id id = 0;  // 0: no entry
    bool ended = false;        // the spin lock at this address was destroyed
  };

  // Lock-free. False if the answer is unknown (the table kept changing):
  // the caller looks again under its lock with find_locked().
  bool find(std::uintptr_t address, entry& out) const noexcept;

  // Writers: the caller holds its lock.
  entry find_locked(std::uintptr_t address) const noexcept;
  // Inserts or replaces; false if the table is full (or cannot be mapped).
  bool put(std::uintptr_t address, entry value) noexcept;
  void erase(std::uintptr_t address) noexcept;

 private:
  struct slot {
    std::atomic<std::uintptr_t> address{0};  // 0 empty, kTombstone removed
    std::atomic<std::uint64_t> value{0};
  };
  static constexpr std::size_t kBits = 14;
  static constexpr std::size_t kSlots = std::size_t{1} << kBits;
  static constexpr std::size_t kMaxUsed = kSlots / 4 * 3;
  static constexpr std::uintptr_t kTombstone = 1;
  static constexpr std::uint64_t kEndedBit = std::uint64_t{1} << 63;

  static std::size_t home(std::uintptr_t address) noexcept {
    return static_cast<std::size_t>(((address >> 2) * 0x9e3779b97f4a7c15ULL) >> (64 - kBits));
  }
  static std::uint64_t encode(entry value) noexcept { return value.id | (value.ended ? kEndedBit : 0); }
  static entry decode(std::uint64_t value) noexcept {
    return entry{value & ~kEndedBit, (value & kEndedBit) != 0};
  }
  // The slot holding `address`, or kSlots (caller's lock, or inside a read section).
  std::size_t locate(const slot* slots, std::uintptr_t address) const noexcept;
  void begin_write() noexcept;
  void end_write() noexcept;
  bool make_room() noexcept;  // rebuilds; false if still full

  std::atomic<slot*> slots_{nullptr};
  std::atomic<std::uint64_t> sequence_{0};
  std::size_t used_ = 0;  // live + ended + tombstones (writers only)
};

}  // namespace concheck::detail
