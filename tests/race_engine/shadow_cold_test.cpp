// Chunk-uniform cold words (runtime/src/race/shadow_cold.hpp): a granule
// reads its chunk's uniform site or location record only when it stored
// that value (or, for a site, none), its own value otherwise; a chunk whose
// granules agree maps no cold region; a reset granule or chunk starts over;
// two threads setting a fresh chunk's uniform value at one moment each keep
// their own. Through the engine: a report names the earlier access's own
// site, never the chunk's.
#include "race/shadow_cold.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::kPcA;
using testing::kPcB;
using testing::kPcC;
using testing::locations;
using testing::take_races;
using testing::worker;

constexpr std::size_t kChunkBytes = std::size_t{1} << kChunkShift;

// A granule of a split chunk entry of the test's own, not in the page
// table: the split chunks' functions work on any entry.
class split_granule {
 public:
  split_granule(shadow_chunk& chunk, std::uint32_t index) : chunk_(chunk), index_(index) {}
  std::uint32_t write_site() const { return split_site(chunk_, index_, true); }
  std::uint32_t read_site() const { return split_site(chunk_, index_, false); }
  std::uint64_t location(bool has_epoch) const { return split_location(chunk_, index_, has_epoch); }
  void store_write_site(std::uint32_t site) { store_split_site(chunk_, index_, site, true); }
  void store_read_site(std::uint32_t site) { store_split_site(chunk_, index_, site, false); }
  void store_location(std::uint64_t location, bool has_epoch) {
    store_split_location(chunk_, index_, location, has_epoch);
  }
  void clear() { clear_split(chunk_, index_); }

 private:
  shadow_chunk& chunk_;
  std::uint32_t index_;
};

// Split chunk entries of the test's own. Unmaps the cold regions the stores
// mapped.
class chunks {
 public:
  explicit chunks(std::size_t count) : entries_(count) {}
  ~chunks() {
    for (shadow_chunk& entry : entries_) {
      if (chunk_cold* cold = entry.cold.load()) munmap(cold, sizeof(chunk_cold));
    }
  }
  chunks(const chunks&) = delete;
  chunks& operator=(const chunks&) = delete;
  shadow_chunk& operator[](std::size_t i) { return entries_[i]; }
  split_granule granule(std::size_t chunk, std::uint32_t index) {
    return split_granule(entries_[chunk], index);
  }

 private:
  std::vector<shadow_chunk> entries_;
};

TEST(ColdWords, AGranuleWithAnotherSiteKeepsItsOwn) {
  chunks chunk(1);
  chunk.granule(0, 0).store_write_site(5);
  chunk.granule(0, 1).store_write_site(5);
  EXPECT_EQ(chunk[0].cold.load(), nullptr) << "granules that agree need no cold region";
  chunk.granule(0, 2).store_write_site(7);
  EXPECT_NE(chunk[0].cold.load(), nullptr);
  EXPECT_EQ(chunk.granule(0, 0).write_site(), 5u);
  EXPECT_EQ(chunk.granule(0, 1).write_site(), 5u);
  EXPECT_EQ(chunk.granule(0, 2).write_site(), 7u);
  // Its own slot from now on, even for the chunk's value.
  chunk.granule(0, 2).store_write_site(5);
  EXPECT_EQ(chunk.granule(0, 2).write_site(), 5u);
  chunk.granule(0, 2).store_write_site(9);
  EXPECT_EQ(chunk.granule(0, 2).write_site(), 9u);
  EXPECT_EQ(chunk.granule(0, 0).write_site(), 5u);
  // No stack (site 0) is a value of its own, not "the chunk's".
  chunk.granule(0, 3).store_write_site(0);
  EXPECT_EQ(chunk.granule(0, 3).write_site(), 0u);
  // The read's site is another word.
  chunk.granule(0, 0).store_read_site(11);
  EXPECT_EQ(chunk.granule(0, 0).read_site(), 11u);
  EXPECT_EQ(chunk.granule(0, 0).write_site(), 5u);
}

TEST(ColdWords, AnUntouchedGranuleHasNoLocationWhateverItsChunks) {
  chunks chunk(1);
  const std::uint64_t record = static_cast<std::uint64_t>(sharing::one_thread) | location_owner(3);
  chunk.granule(0, 0).store_location(record, true);
  EXPECT_EQ(chunk[0].cold.load(), nullptr);
  EXPECT_EQ(chunk.granule(0, 0).location(true), record);
  EXPECT_EQ(chunk.granule(0, 1).location(false), 0u) << "untouched: no epoch";
  // A record stored while the granule has no epoch (an atomic load's) is
  // kept in its slot, or the granule would read as untouched.
  chunk.granule(0, 1).store_location(record | kLocationAtomic, false);
  EXPECT_EQ(chunk.granule(0, 1).location(false), record | kLocationAtomic);
  const std::uint64_t shared = static_cast<std::uint64_t>(sharing::synchronized);
  chunk.granule(0, 2).store_location(shared, true);
  EXPECT_EQ(chunk.granule(0, 2).location(true), shared);
  EXPECT_EQ(chunk.granule(0, 0).location(true), record);
  // Cleared: untouched again, then the chunk's record again.
  chunk.granule(0, 2).clear();
  EXPECT_EQ(chunk.granule(0, 2).location(false), 0u);
  EXPECT_EQ(chunk.granule(0, 2).location(true), record);
}

// The loser of the CAS that sets a fresh chunk's uniform value must store
// its own value in its slot, not take the winner's.
TEST(ColdWords, TwoThreadsSettingAFreshUniformValueKeepTheirOwn) {
  constexpr std::size_t kRounds = 2000;
  chunks chunk(kRounds);
  std::atomic<std::size_t> started{0};
  std::atomic<std::size_t> finished{0};
  const std::uint64_t record_a = static_cast<std::uint64_t>(sharing::one_thread) | location_owner(1);
  const std::uint64_t record_b = static_cast<std::uint64_t>(sharing::one_thread) | location_owner(2);
  std::thread other([&] {
    for (std::size_t round = 0; round < kRounds; ++round) {
      while (started.load() <= round) {
      }
      chunk.granule(round, 1).store_write_site(200);
      chunk.granule(round, 1).store_location(record_b, true);
      finished.store(round + 1);
    }
  });
  for (std::size_t round = 0; round < kRounds; ++round) {
    started.store(round + 1);
    chunk.granule(round, 0).store_write_site(100);
    chunk.granule(round, 0).store_location(record_a, true);
    while (finished.load() <= round) {
    }
  }
  other.join();
  std::size_t mismatches = 0;
  for (std::size_t round = 0; round < kRounds; ++round) {
    if (chunk.granule(round, 0).write_site() != 100u || chunk.granule(round, 1).write_site() != 200u ||
        chunk.granule(round, 0).location(true) != record_a ||
        chunk.granule(round, 1).location(true) != record_b) {
      ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

// Application memory of `count` chunks, chunk-aligned, whose shadow no
// earlier test mapped (chunk entries stay installed after their memory is
// unmapped, and mmap reuses addresses: such regions are kept and skipped).
class fresh_chunks {
 public:
  explicit fresh_chunks(std::size_t count) : bytes_(count * kChunkBytes) {
    for (int attempt = 0; attempt < 64 && base_ == 0; ++attempt) {
      const std::size_t bytes = bytes_ + kChunkBytes;
      void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (memory == MAP_FAILED) return;
      mappings_.push_back({memory, bytes});
      const std::uintptr_t base =
          (reinterpret_cast<std::uintptr_t>(memory) + kChunkBytes - 1) & ~(kChunkBytes - 1);
      bool unmapped = true;
      for (std::uintptr_t at = base; at < base + bytes_; at += kChunkBytes) {
        if (shadow_chunk_if_mapped(at) != nullptr) unmapped = false;
      }
      if (unmapped) base_ = base;
    }
  }
  ~fresh_chunks() {
    if (base_ != 0) reset_range(base_, bytes_);
    for (const auto& [memory, bytes] : mappings_) munmap(memory, bytes);
  }
  fresh_chunks(const fresh_chunks&) = delete;
  fresh_chunks& operator=(const fresh_chunks&) = delete;
  std::uintptr_t address(std::size_t offset = 0) const { return base_ + offset; }

 private:
  std::size_t bytes_;
  std::uintptr_t base_ = 0;
  std::vector<std::pair<void*, std::size_t>> mappings_;
};

std::uintptr_t layout_of(std::uintptr_t address) {
  const shadow_chunk* chunk = shadow_chunk_if_mapped(address);
  return chunk == nullptr ? 0 : chunk->cells.load() & kLayoutBits;
}

bool split_run() {
  const char* layout = std::getenv("CONCHECK_TEST_SHADOW_LAYOUT");
  return layout != nullptr && std::string(layout) == "split";
}

class ColdWordsInTheEngine : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

std::uint32_t site_in(worker& thread, std::uintptr_t pc) {
  std::uint32_t site = 0;
  thread.run([&] { site = current_site(pc); });
  return site;
}

// A chunk first touched by a small access is dense (in the tests' split
// run, split); one a range access covers whole is split; one it covers in
// part is dense.
TEST_F(ColdWordsInTheEngine, AChunkIsSplitWhenARangeAccessCoversItWhole) {
  fresh_chunks memory(4);
  ASSERT_NE(memory.address(), 0u) << "no application memory with unmapped shadow found";
  worker first;
  first.run([&] {
    write(memory.address(8), 8, kPcA);
    write_range(memory.address(kChunkBytes), kChunkBytes + kChunkBytes / 2, kPcB);
  });
  EXPECT_EQ(layout_of(memory.address()), split_run() ? kSplitLayout : kDenseLayout);
  EXPECT_EQ(layout_of(memory.address(kChunkBytes)), kSplitLayout);
  EXPECT_EQ(layout_of(memory.address(2 * kChunkBytes)), kDenseLayout);
  EXPECT_EQ(layout_of(memory.address(3 * kChunkBytes)), 0u);
  EXPECT_TRUE(take_races().empty());
}

// A large write claims its untouched granules a chunk at a time (split or
// dense); a granule another thread wrote first stops the run: it is an
// access of its own (a race here) and the claim goes on after it.
TEST_F(ColdWordsInTheEngine, ALargeWriteClaimsAroundAGranuleTouchedFirst) {
  fresh_chunks memory(3);
  ASSERT_NE(memory.address(), 0u) << "no application memory with unmapped shadow found";
  const std::uintptr_t touched = memory.address(kChunkBytes + 64);
  const std::size_t size = 2 * kChunkBytes + kChunkBytes / 2;
  worker first, second;
  second.run([&] { write(touched, 8, kPcC); });  // maps the second chunk, dense
  first.run([&] { write_range(memory.address(), size, kPcA); });
  EXPECT_EQ(layout_of(memory.address()), kSplitLayout);
  EXPECT_EQ(layout_of(memory.address(kChunkBytes)), split_run() ? kSplitLayout : kDenseLayout);
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, touched);
  EXPECT_EQ(races[0].earlier.thread_id, second.id());
  const auto found = locations(memory.address(), memory.address(size));
  ASSERT_EQ(found.size(), size / 8);
  std::size_t claimed = 0;
  for (const auto& [granule, state] : found) {
    if (granule == touched) {
      EXPECT_EQ(state.state, sharing::racy);
    } else if (state.state == sharing::one_thread && state.owner == first.id() && state.bytes == 0xff) {
      ++claimed;
    }
  }
  EXPECT_EQ(claimed, size / 8 - 1);
  second.run([&] { write(memory.address(kChunkBytes + 72), 8, kPcC); });  // after the touched one
  EXPECT_EQ(take_races().size(), 1u);
}

// A split chunk, fresh: its first thread's range write claims it whole,
// then the thread starts a new epoch (a release nobody acquires), so that
// its next accesses store their own sites.
class split_chunk : public fresh_chunks {
 public:
  explicit split_chunk(worker& owner) : fresh_chunks(1) {
    if (address() == 0) return;
    owner.run([&] {
      write_range(address(), kChunkBytes, kPcA);
      release(this);
    });
  }
  ~split_chunk() { forget_sync(this); }
  split_chunk(const split_chunk&) = delete;
  split_chunk& operator=(const split_chunk&) = delete;
};

// One thread writes a chunk's granules at one pc but one granule at
// another: a race on that granule names the other pc's site.
TEST_F(ColdWordsInTheEngine, AReportNamesTheEarlierAccessOwnSiteNotTheChunks) {
  worker first, second;
  split_chunk memory(first);
  ASSERT_NE(memory.address(), 0u) << "no application memory with unmapped shadow found";
  ASSERT_EQ(layout_of(memory.address()), kSplitLayout);
  first.run([&] {
    for (std::size_t offset = 0; offset < 256; offset += 8) {
      if (offset != 64) write(memory.address(offset), 8, kPcA);
    }
    write(memory.address(64), 8, kPcB);
  });
  second.run([&] {
    write(memory.address(64), 8, kPcC);
    write(memory.address(128), 8, kPcC);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 2u);
  EXPECT_EQ(races[0].address, memory.address(64));
  EXPECT_EQ(races[0].earlier.site, site_in(first, kPcB));
  EXPECT_EQ(races[1].address, memory.address(128));
  EXPECT_EQ(races[1].earlier.site, site_in(first, kPcA));
}

// A chunk reset whole (its memory freed) and a granule reset alone forget
// their records and sites, the chunk's uniform ones and a granule's own:
// the next thread to use them owns them alone.
TEST_F(ColdWordsInTheEngine, AResetChunkOrGranuleStartsOver) {
  worker first, second, third;
  split_chunk memory(first);
  ASSERT_NE(memory.address(), 0u) << "no application memory with unmapped shadow found";
  ASSERT_EQ(layout_of(memory.address()), kSplitLayout);
  first.run([&] {
    write(memory.address(0), 8, kPcA);
    write(memory.address(8), 8, kPcB);
  });
  second.run([&] { write(memory.address(16), 8, kPcA); });  // racy: its own record
  EXPECT_EQ(take_races().size(), 1u);
  reset_range(memory.address(), kChunkBytes);
  EXPECT_EQ(shadow_chunk_if_mapped(memory.address())->uniform_location.load(), 0u);
  second.run([&] {
    write(memory.address(0), 8, kPcC);
    write(memory.address(8), 8, kPcC);
    write(memory.address(16), 8, kPcC);
  });
  auto found = locations(memory.address(), memory.address(kChunkBytes));
  ASSERT_EQ(found.size(), 3u);
  for (const auto& [granule, state] : found) {
    EXPECT_EQ(state.state, sharing::one_thread) << granule - memory.address();
    EXPECT_EQ(state.owner, second.id()) << granule - memory.address();
  }
  // One granule reset alone.
  reset_range(memory.address(16), 8);
  third.run([&] { write(memory.address(16), 8, kPcA); });
  found = locations(memory.address(16), memory.address(24));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second.state, sharing::one_thread);
  EXPECT_EQ(found[0].second.owner, third.id());
  // The sites are the new writes'.
  third.run([&] { write(memory.address(8), 8, kPcA); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.site, site_in(second, kPcC));
}

}  // namespace
}  // namespace concheck::race
