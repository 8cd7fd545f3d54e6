// Test support for the race engine's unit tests: a recorder of the races the
// engine reports, threads that run steps on demand in a forced order, and
// buffers whose shadow starts and ends clean.
//
// Ordering between the test's threads uses only futex-based waits
// (std::atomic::wait), never a pthread mutex or condition variable: the
// runtime's interposition would turn those into happens-before edges and
// hide the races the tests expect.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "race/lockset_table.hpp"
#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"

namespace concheck::race::testing {

// Every race_event the engine reported since the last take.
std::vector<race_event> take_races();

// The per-location records of the granules in [begin, end), in address
// order (for_each_location).
std::vector<std::pair<std::uintptr_t, location_state>> locations(std::uintptr_t begin, std::uintptr_t end);

// The record of the granule at `granule`; an empty one (sharing::untouched)
// when it has none.
inline location_state record_at(std::uintptr_t granule) {
  const auto records = locations(granule, granule + kGranule);
  return records.empty() ? location_state{} : records[0].second;
}

// A thread that runs the functions given to run(), one at a time, while the
// caller waits: steps on different workers happen in the order written.
class worker {
 public:
  worker() : thread_([this] { loop(); }) {}
  ~worker() {
    post(nullptr);
    thread_.join();
  }
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  void run(std::function<void()> step) { post(std::move(step)); }
  // Concheck's id of the worker's thread.
  std::uint64_t id();

 private:
  void post(std::function<void()> step) {
    step_ = std::move(step);
    const int ticket = requested_.load() + 1;
    stop_ = !step_;
    requested_.store(ticket);
    requested_.notify_one();
    if (stop_) return;
    for (int seen = done_.load(); seen != ticket; seen = done_.load()) done_.wait(seen);
  }
  void loop() {
    for (int ticket = 1;; ++ticket) {
      for (int seen = requested_.load(); seen != ticket; seen = requested_.load()) requested_.wait(seen);
      if (stop_) {
        thread_exit();  // the integration's part when a thread ends: frees the context and slot
        return;
      }
      step_();
      done_.store(ticket);
      done_.notify_one();
    }
  }

  std::function<void()> step_;
  bool stop_ = false;
  std::atomic<int> requested_{0};
  std::atomic<int> done_{0};
  std::thread thread_;
};

// A zeroed heap buffer, aligned to `alignment`, with a clean shadow.
class buffer {
 public:
  explicit buffer(std::size_t size, std::size_t alignment = 64)
      : size_(size), data_(static_cast<char*>(std::aligned_alloc(alignment, round(size, alignment)))) {
    reset_range(address(), size_);
  }
  ~buffer() {
    reset_range(address(), size_);
    std::free(data_);
  }
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;

  std::uintptr_t address(std::size_t offset = 0) const {
    return reinterpret_cast<std::uintptr_t>(data_) + offset;
  }

 private:
  static std::size_t round(std::size_t size, std::size_t alignment) {
    return (size + alignment - 1) / alignment * alignment;
  }
  std::size_t size_;
  char* data_;
};

// Pcs for the engine: any distinct numbers serve as sites.
inline constexpr std::uintptr_t kPcA = 0x1000;
inline constexpr std::uintptr_t kPcB = 0x2000;
inline constexpr std::uintptr_t kPcC = 0x3000;

// The locks of an interned lockset (lockset_table.hpp), at most 16.
inline std::vector<std::uint64_t> locks_of(std::uint32_t lockset) {
  std::uint64_t locks[16];
  std::size_t count = 0;
  lockset_locks(lockset, locks, count, 16);
  return {locks, locks + count};
}

// The R word of the granule at `address` (an epoch, or a read set's index).
inline std::uint64_t read_word(std::uintptr_t address) {
  return shadow_cell_for(address)->read.load();
}

// Its W word.
inline std::uint64_t write_word(std::uintptr_t address) {
  return shadow_cell_for(address)->write.load();
}

// Whether the chunk of `address` is mapped with the dense layout
// (shadow_memory.hpp).
inline bool chunk_is_dense(std::uintptr_t address) {
  const shadow_chunk* chunk = shadow_chunk_for(address);
  return chunk != nullptr && (chunk->cells.load() & kLayoutBits) == kDenseLayout;
}

}  // namespace concheck::race::testing
