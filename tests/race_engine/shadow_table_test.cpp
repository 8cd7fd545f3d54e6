// The shadow's chunk table (shadow_memory.hpp): the flat table's bounds
// (addresses 0 and 2^47 - 1, the two-level table just above), walks and
// discards across gaps, and the fallback to the two-level table where the
// flat table cannot be mapped (CTest runs this suite again under a low
// `ulimit -v` with CONCHECK_TEST_EXPECT_TWO_LEVEL=1).
// The engine never touches application memory, so the tests use addresses
// no mapping of this process is at (16 TiB and up, below user mmaps).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

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
constexpr std::uintptr_t kFarAway = std::uintptr_t{16} << 40;  // no mapping of a test process there

bool expect_two_level() {
  const char* value = std::getenv("CONCHECK_TEST_EXPECT_TWO_LEVEL");
  return value != nullptr && value[0] == '1';
}

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
  void SetUp() override {
    // Some access first, so the table has been chosen.
    worker any;
    any.run([] { write(kFarAway + 256 * kOneGiB, 8, kPcA); });
    reset_range(kFarAway + 256 * kOneGiB, 8);
    take_races();
  }
};

TEST_F(ShadowTable, IsFlatWhereTheSystemAllowsItsMappingElseTwoLevel) {
  if (expect_two_level()) {
    EXPECT_FALSE(shadow_table_is_flat());
    return;
  }
  // What the runtime tried: 64 GiB of MAP_NORESERVE address space.
  void* probe = mmap(nullptr, std::size_t{64} << 30, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  const bool can_map = probe != MAP_FAILED;
  if (can_map) munmap(probe, std::size_t{64} << 30);
  EXPECT_EQ(shadow_table_is_flat(), can_map);
}

TEST_F(ShadowTable, TheFirstAndLastGranulesOfTheFlatRangeHaveShadow) {
  expect_race_at(0);
  expect_race_at(kFlatLimit - kGranule);
  // The last byte alone.
  take_races();
  {
    worker first, second;
    first.run([] { write(kFlatLimit - 1, 1, kPcA); });
    second.run([] { read(kFlatLimit - 1, 1, kPcB); });
  }
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, kFlatLimit - 1);
  reset_range(kFlatLimit - kGranule, kGranule);
}

TEST_F(ShadowTable, AddressesAboveTheFlatRangeUpTo2To48HaveShadowToo) {
  expect_race_at(kFlatLimit);
  expect_race_at((std::uintptr_t{1} << 48) - kGranule);
  // Their chunks are not the flat table's last ones.
  EXPECT_NE(shadow_chunk_for(kFlatLimit), shadow_chunk_for(kFlatLimit - kGranule));
}

TEST_F(ShadowTable, AddressesFrom2To48OnAreIgnored) {
  worker first, second;
  first.run([] { write(std::uintptr_t{1} << 48, 8, kPcA); });
  second.run([] { write(std::uintptr_t{1} << 48, 8, kPcB); });
  EXPECT_TRUE(take_races().empty());
  EXPECT_EQ(shadow_chunk_for(std::uintptr_t{1} << 48), nullptr);
}

TEST_F(ShadowTable, AWalkVisitsTheGranulesOnBothSidesOfALargeGapAndNothingBetween) {
  // 5 GiB apart: past whole bitmap words (512 MiB each) and an L2's 4 GiB.
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
  // Never past a mapped chunk; with the flat table, untouched memory between
  // them (table pages of 8 MiB nobody installed) is skipped in one step.
  const std::uintptr_t end = kFarAway + 64 * kOneGiB;
  const std::uintptr_t between = low + 64 * (kOneGiB >> 10);
  EXPECT_LE(shadow_next_chunk(between, end), high & ~(kOneChunk - 1));
  if (shadow_table_is_flat()) {
    constexpr std::uintptr_t kTablePage = std::uintptr_t{8} << 20;
    EXPECT_GE(shadow_next_chunk(between, end), high & ~(kTablePage - 1));
    EXPECT_GE(shadow_next_chunk((high | (kTablePage - 1)) + 1, end), end);
  }
  reset_range(low, 8);
  reset_range(high, 8);
}

TEST_F(ShadowTable, AWalkOverUntouchedMemoryTouchesNoPageOfTheFlatTable) {
  if (!shadow_table_is_flat()) GTEST_SKIP() << "two-level table";
  // 64 GiB of memory nobody touched: 8192 pages of entries, none resident
  // before (a read maps the zero page, which mincore counts) nor after.
  const std::uintptr_t begin = kFarAway + 1024 * kOneGiB;
  const std::size_t bytes = 64 * kOneGiB;
  char* entries = reinterpret_cast<char*>(g_shadow_flat.load() + (begin >> kChunkShift));
  const std::size_t entry_bytes = (bytes >> kChunkShift) * sizeof(shadow_chunk);
  std::vector<unsigned char> resident(entry_bytes / 4096);
  auto count_resident = [&] {
    EXPECT_EQ(mincore(entries, entry_bytes, resident.data()), 0);
    std::size_t count = 0;
    for (unsigned char page : resident) count += page & 1;
    return count;
  };
  ASSERT_EQ(count_resident(), 0u);
  EXPECT_TRUE(locations(begin, begin + bytes).empty());
  reset_range(begin, bytes);
  EXPECT_EQ(count_resident(), 0u);
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
