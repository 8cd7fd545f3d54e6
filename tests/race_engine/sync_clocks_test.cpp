// The clocks of synchronization objects (runtime/src/race/sync_clocks.hpp):
// neighbouring objects take distinct shards, and forgetting a range drops
// exactly the clocks inside it, whatever its size.
#include "race/sync_clocks.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdint>
#include <set>
#include <vector>

#include "race/vector_clock.hpp"
#include "thread_registry.hpp"

namespace concheck::race {
namespace {

// Three bounded queues of a pipeline (a mutex and two condition variables
// each, side by side): with the shard chosen by the 64 KiB region, the six
// condition variables, released at every hand-off, shared one lock.
TEST(SyncClocks, NeighbouringObjectsTakeDistinctShards) {
  struct queue {
    alignas(8) unsigned char mutex[40];
    unsigned char not_full[48];
    unsigned char not_empty[48];
    unsigned char items[80];
  };
  static queue queues[3];
  std::set<std::size_t> shards;
  for (const queue& q : queues) {
    shards.insert(sync_shard_of(reinterpret_cast<std::uintptr_t>(q.not_full)));
    shards.insert(sync_shard_of(reinterpret_cast<std::uintptr_t>(q.not_empty)));
  }
  EXPECT_GE(shards.size(), 4u);
}

// The table's callers run inside the runtime (sync_clocks.hpp): the maps'
// own frees must not come back into it.
class SyncClockRanges : public ::testing::Test {
 protected:
  void SetUp() override { memory_.assign(kBytes, 0); }
  void TearDown() override { sync_forget_range(begin(), begin() + kBytes); }
  std::uintptr_t begin() const { return reinterpret_cast<std::uintptr_t>(memory_.data()); }
  void release_at(std::size_t offset) {
    vector_clock clock;
    sync_apply(begin() + offset, clock, sync_merge::release_store);
  }
  bool has_clock(std::size_t offset) {
    vector_clock clock;
    return sync_apply(begin() + offset, clock, sync_merge::acquire);
  }
  static constexpr std::size_t kBytes = 64 * 1024;

 private:
  std::vector<unsigned char> memory_;
  detail::inside_scope inside_;
};

TEST_F(SyncClockRanges, SmallRangeDropsItsLinesOnly) {
  release_at(100);
  release_at(191);
  release_at(192);
  release_at(4096);
  const std::uint64_t before = sync_clock_count();
  sync_forget_range(begin() + 100, begin() + 192);  // 100 and 191, not 192
  EXPECT_EQ(sync_clock_count(), before - 2);
  EXPECT_FALSE(has_clock(100));
  EXPECT_FALSE(has_clock(191));
  EXPECT_TRUE(has_clock(192));
  EXPECT_TRUE(has_clock(4096));
}

TEST_F(SyncClockRanges, LargeRangeVisitsEveryShard) {
  std::uint64_t inside = 0;
  for (std::size_t offset = 8; offset < kBytes - 64; offset += 520, ++inside) release_at(offset);
  release_at(kBytes - 8);
  const std::uint64_t before = sync_clock_count();
  sync_forget_range(begin() + 8, begin() + kBytes - 8);  // all but the last
  EXPECT_EQ(sync_clock_count(), before - inside);
  EXPECT_FALSE(has_clock(8));
  EXPECT_FALSE(has_clock(8 + 520 * 100));
  EXPECT_TRUE(has_clock(kBytes - 8));
}

TEST_F(SyncClockRanges, RangeWithoutClocksLeavesOthers) {
  release_at(10000);
  const std::uint64_t before = sync_clock_count();
  sync_forget_range(begin() + 20000, begin() + 30000);
  sync_forget_range(begin() + 10001, begin() + 10002);
  EXPECT_EQ(sync_clock_count(), before);
  EXPECT_TRUE(has_clock(10000));
  sync_forget(begin() + 10000);
  EXPECT_EQ(sync_clock_count(), before - 1);
  // A range's skip by page counts must not hide a clock created again.
  release_at(10000);
  sync_forget_range(begin() + 8192, begin() + 12288);
  EXPECT_FALSE(has_clock(10000));
  EXPECT_EQ(sync_clock_count(), before - 1);
}

// A program that releases thousands of atomics (re2's DFA: one per
// transition) gets a clock for each: its nodes and its entries past the
// inline slots come from the internal heap, not the program's malloc, or
// they would sit between the program's blocks and spread its heap and its
// shadow (internal_heap.hpp). 4,000 clocks of 10 slots took about 600 KiB
// of malloc before.
TEST_F(SyncClockRanges, AddressClocksStayOutOfTheProgramsHeap) {
  vector_clock wide;
  wide.set(9, 1);  // 10 slots: past vector_clock::kInlineSlots
  const std::size_t before = mallinfo2().uordblks;
  for (std::size_t offset = 0; offset < 4000 * 16; offset += 16) {
    sync_apply(begin() + offset, wide, sync_merge::release_store);
  }
  const std::size_t after = mallinfo2().uordblks;
  EXPECT_TRUE(has_clock(16 * 3999));
  EXPECT_LT(after, before + 16 * 1024)
      << "address clocks allocated " << (after - before) << " bytes with malloc";
}

}  // namespace
}  // namespace concheck::race
