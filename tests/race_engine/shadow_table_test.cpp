// The shadow's page table (shadow_memory.hpp) at its bounds and across gaps:
// addresses 0 and 2^48 - 1 have shadow, 2^48 has none; walks, resets and
// discards skip unmapped memory between mapped chunks and find both sides.
// The engine never touches application memory, so the tests use addresses
// no mapping of this process is at (16 TiB and up, below user mmaps).
#include <gtest/gtest.h>

#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::kPcA;
using testing::kPcB;
using testing::locations;
using testing::take_races;
using testing::worker;

constexpr std::uintptr_t kOneChunk = std::uintptr_t{1} << kChunkShift;
constexpr std::uintptr_t kOneGiB = std::uintptr_t{1} << 30;
constexpr std::uintptr_t kTopLimit = std::uintptr_t{1} << 47;  // 4-level paging's user space
constexpr std::uintptr_t kFarAway = std::uintptr_t{16} << 40;  // no mapping of a test process there

// Two unordered writes of the granule at `address` by two workers: one race.
void expect_race_at(std::uintptr_t address) {
  take_races();
  worker first, second;
  first.run([&] { write(address, 8, kPcA); });
  second.run([&] { write(address, 8, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u) << std::hex << address;
  EXPECT_EQ(races[0].address, address);
  reset_range(address, 8);
}

class ShadowTable : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

TEST_F(ShadowTable, TheFirstGranuleAndThoseAround2To47HaveShadow) {
  expect_race_at(0);
  expect_race_at(kTopLimit - kGranule);
  // The last byte alone.
  take_races();
  {
    worker first, second;
    first.run([] { write(kTopLimit - 1, 1, kPcA); });
    second.run([] { read(kTopLimit - 1, 1, kPcB); });
  }
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, kTopLimit - 1);
  reset_range(kTopLimit - kGranule, kGranule);
}

TEST_F(ShadowTable, AddressesUpTo2To48HaveShadow) {
  expect_race_at(kTopLimit);
  expect_race_at((std::uintptr_t{1} << 48) - kGranule);
  EXPECT_NE(shadow_chunk_for(kTopLimit), shadow_chunk_for(kTopLimit - kGranule));
}

TEST_F(ShadowTable, AddressesFrom2To48OnAreIgnored) {
  worker first, second;
  first.run([] { write(std::uintptr_t{1} << 48, 8, kPcA); });
  second.run([] { write(std::uintptr_t{1} << 48, 8, kPcB); });
  EXPECT_TRUE(take_races().empty());
  EXPECT_EQ(shadow_chunk_for(std::uintptr_t{1} << 48), nullptr);
}

TEST_F(ShadowTable, AWalkVisitsTheGranulesOnBothSidesOfALargeGapAndNothingBetween) {
  // 5 GiB apart: past an L2 table's 4 GiB.
  const std::uintptr_t low = kFarAway + 3 * kOneChunk + 40;
  const std::uintptr_t high = low + 5 * kOneGiB + 7 * kOneChunk;
  worker writer;
  writer.run([&] {
    write(low, 8, kPcA);
    write(high, 8, kPcA);
  });
  const auto found = locations(kFarAway, kFarAway + 64 * kOneGiB);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].first, low);
  EXPECT_EQ(found[1].first, high);
  reset_range(low, 8);
  reset_range(high, 8);
}

TEST_F(ShadowTable, ResetAcrossAGapDiscardsTheChunksOnBothSides) {
  const std::uintptr_t low = kFarAway + 2 * kOneGiB;
  const std::uintptr_t high = low + 3 * kOneGiB + 5 * kOneChunk;
  {
    worker first;
    first.run([&] {
      write(low + 64, 8, kPcA);
      write(high + 128, 8, kPcA);
    });
    // The whole range, chunks and gap: a later access of another thread
    // finds both granules untouched, no race.
    reset_range(low, high + kOneChunk - low);
    ASSERT_TRUE(locations(low, high + kOneChunk).empty());
    worker second;
    second.run([&] {
      write(low + 64, 8, kPcB);
      write(high + 128, 8, kPcB);
    });
  }
  EXPECT_TRUE(take_races().empty());
  reset_range(low, high + kOneChunk - low);
}

TEST_F(ShadowTable, AChunkDiscarderGivesBackChunksOnBothSidesOfAGap) {
  const std::uintptr_t low = kFarAway + 8 * kOneGiB;
  const std::uintptr_t high = low + kOneGiB + 9 * kOneChunk;
  worker writer;
  writer.run([&] {
    write(low, 8, kPcA);
    write(high + 8, 8, kPcA);
  });
  ASSERT_NE(shadow_cell_if_mapped(low)->write.load(), 0u);
  ASSERT_NE(shadow_cell_if_mapped(high + 8)->write.load(), 0u);
  {
    chunk_discarder discarder;
    discarder.add(low);
    discarder.add(high);
  }
  // Still mapped (a chunk keeps its cells), read as zero again.
  ASSERT_NE(shadow_cell_if_mapped(low), nullptr);
  EXPECT_EQ(shadow_cell_if_mapped(low)->write.load(), 0u);
  EXPECT_EQ(shadow_cell_if_mapped(high + 8)->write.load(), 0u);
}

}  // namespace
}  // namespace concheck::race
