// The write hooks' inline fast path (access_fast_path.hpp): covered exactly
// when the calling thread's own write in its current epoch covers the bytes,
// so that returning then changes nothing the engine would have recorded;
// every other write takes the hook's full path.
#include "race/access_fast_path.hpp"

#include <gtest/gtest.h>

#include "race/race_runtime.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::kPcA;
using testing::kPcB;
using testing::take_races;
using testing::worker;

int g_sync_object = 0;

class AccessFastPath : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

TEST_F(AccessFastPath, AWriteInTheCurrentEpochCoversLaterAccessesToItsBytes) {
  buffer memory(64);
  const std::uintptr_t at = memory.address(8);
  worker thread;
  thread.run([&] {
    EXPECT_FALSE(write_covered_in_current_epoch(at, 8)) << "untouched";
    write(at, 8, kPcA);
    EXPECT_TRUE(write_covered_in_current_epoch(at, 8));
    EXPECT_TRUE(write_covered_in_current_epoch(at + 4, 4));
    EXPECT_TRUE(write_covered_in_current_epoch(at + 7, 1));
    EXPECT_FALSE(write_covered_in_current_epoch(at + 4, 8)) << "two granules";
    EXPECT_FALSE(write_covered_in_current_epoch(at + 8, 8)) << "the next granule";
  });
}

TEST_F(AccessFastPath, AReadDoesNotCoverAWrite) {
  buffer memory(64);
  const std::uintptr_t at = memory.address(16);
  worker thread;
  thread.run([&] {
    read(at, 4, kPcA);
    EXPECT_FALSE(write_covered_in_current_epoch(at, 4)) << "a write after a read";
    write(at, 2, kPcA);
    EXPECT_TRUE(write_covered_in_current_epoch(at, 2));
    EXPECT_FALSE(write_covered_in_current_epoch(at, 4)) << "bytes only read";
  });
}

TEST_F(AccessFastPath, ANewEpochOrAnotherThreadIsNotCovered) {
  buffer memory(64);
  const std::uintptr_t at = memory.address(0);
  worker first, second;
  first.run([&] {
    write(at, 8, kPcA);
    release(&g_sync_object);  // starts the thread's next epoch
    EXPECT_FALSE(write_covered_in_current_epoch(at, 8));
  });
  second.run([&] {
    EXPECT_FALSE(write_covered_in_current_epoch(at, 8));
    write(at, 8, kPcB);  // unordered with first's write: the full path reports it
  });
  EXPECT_EQ(take_races().size(), 1u);
}

// epoch_covers is one compare (shadow_memory.hpp); the same answers as its
// definition in two tests, over every mask of a granule and words that differ
// from the epoch in the mask, the atomic bit, the clock or the slot.
TEST(EpochCovers, OneCompareAnswersAsTheTwoTestsDo) {
  const std::uint64_t epoch = make_epoch(5, 1234);
  const std::uint64_t others[] = {
      epoch, epoch | kAtomicBit, make_epoch(5, 1235), make_epoch(6, 1234), make_epoch(kSharedSlot, 1234), 0};
  for (const std::uint64_t base : others) {
    for (std::uint64_t stored = 0; stored <= kMaskBits; ++stored) {
      for (std::uint64_t mask = 1; mask <= kMaskBits; ++mask) {
        const std::uint64_t word = base | stored;
        const bool expected = (word & ~kMaskBits) == epoch && (word & mask) == mask;
        ASSERT_EQ(epoch_covers(word, epoch, mask), expected) << std::hex << word << " " << mask;
        ASSERT_EQ(epoch_covers(word, epoch | kAtomicBit, mask),
                  (word & ~kMaskBits) == (epoch | kAtomicBit) && (word & mask) == mask);
      }
    }
  }
}

// The write check skips the test of bits 48..63: such an address is taken
// modulo 2^48 by the page table's first level, so it answers as the address
// below it does. Returning then changes nothing (accesses above 2^48 have no
// shadow and are ignored), and the full path still ignores them.
TEST_F(AccessFastPath, AWriteAbove2To48AnswersAsItsAddressBelowAndIsIgnored) {
  buffer memory(64);
  const std::uintptr_t at = memory.address(24);
  const std::uintptr_t high = at | (std::uintptr_t{1} << 48);
  worker first, second;
  first.run([&] {
    write(at, 8, kPcA);
    EXPECT_TRUE(write_covered_in_current_epoch(high, 8));
    EXPECT_TRUE(write_covered_in_current_epoch(high + 4, 2));
    EXPECT_FALSE(write_covered_in_current_epoch(high + 8, 8)) << "the next granule";
    write(high + 8, 8, kPcA);  // ignored: no shadow above 2^48
  });
  second.run([&] {
    EXPECT_FALSE(write_covered_in_current_epoch(high, 8));
    write(high, 8, kPcB);  // unordered with first's writes, but ignored
    write(high + 8, 8, kPcB);
  });
  EXPECT_TRUE(take_races().empty());
}

// The read check skips the test too, but hands on no cell for such an
// address: the engine would store R into the other address's cell.
TEST_F(AccessFastPath, AReadAbove2To48HandsOnNoCell) {
  buffer memory(64);
  const std::uintptr_t at = memory.address(32);
  const std::uintptr_t high = at | (std::uintptr_t{1} << 48);
  worker first, second;
  first.run([&] {
    read(at, 8, kPcA);
    std::uintptr_t tagged_cell = 0;
    EXPECT_TRUE(read_covered_in_current_epoch(high, 8, tagged_cell));
    release(&g_sync_object);  // a new epoch: not covered any more
    EXPECT_FALSE(read_covered_in_current_epoch(high, 8, tagged_cell));
    EXPECT_EQ(tagged_cell, 0u);
    EXPECT_FALSE(read_covered_in_current_epoch(at, 8, tagged_cell));
    EXPECT_NE(tagged_cell, 0u) << "below 2^48 the cell is handed on";
  });
  second.run([&] { write(at, 8, kPcB); });  // races with first's read
  EXPECT_EQ(take_races().size(), 1u);
}

// The 16-byte check: both granules covered (W for a write, W or R for a
// read), at 16 or 8 modulo 16; never across two chunks (the second cell is
// in the other chunk's shadow) nor at an offset inside a granule.
TEST_F(AccessFastPath, ASixteenByteAccessIsCoveredWhenBothGranulesAre) {
  constexpr std::size_t one_chunk = std::size_t{1} << kChunkShift;
  buffer memory(2 * one_chunk, one_chunk);
  const std::uintptr_t base = memory.address();
  const std::uintptr_t tail = base + one_chunk - kGranule;
  worker thread;
  thread.run([&] {
    write(base + 8, 16, kPcA);
    EXPECT_TRUE(sixteen_covered_in_current_epoch(base + 8, true));
    EXPECT_TRUE(sixteen_covered_in_current_epoch(base + 8, false));
    EXPECT_FALSE(sixteen_covered_in_current_epoch(base + 16, true)) << "the next granule is not";
    EXPECT_FALSE(sixteen_covered_in_current_epoch(base + 12, true)) << "three granules";
    read(base + 24, 8, kPcA);
    EXPECT_FALSE(sixteen_covered_in_current_epoch(base + 16, true)) << "a read does not cover a write";
    EXPECT_TRUE(sixteen_covered_in_current_epoch(base + 16, false));
    write(tail, 8, kPcA);
    write(tail + kGranule, 8, kPcA);
    EXPECT_FALSE(sixteen_covered_in_current_epoch(tail, true)) << "two chunks: the full path";
    release(&g_sync_object);  // a new epoch
    EXPECT_FALSE(sixteen_covered_in_current_epoch(base + 8, false));
  });
}

}  // namespace
}  // namespace concheck::race
