// reset_range zeroes the shadow of a partly covered chunk (a freed heap
// block) under one stripe lock per 64-byte block instead of one per
// granule (race_engine.cpp, clear_blocks; issue 12: pipeline frees a
// 512-byte buffer per item), and leaves no stale race and no read set.
#include <gtest/gtest.h>

#include <cstdint>

#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/read_sets.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::kPcA;
using testing::kPcB;
using testing::kPcC;
using testing::locations;
using testing::take_races;
using testing::worker;

std::uint64_t reset_stripe_locks() {
  return current_context()->reset_stripe_locks;
}

class ResetBlocks : public ::testing::Test {
 protected:
  void SetUp() override {
    take_races();
    read_sets_sweep();
  }
};

// 512 bytes written whole: eight blocks, eight locks; two granules written
// in two blocks: two.
TEST_F(ResetBlocks, AFreedBlockTakesOneStripeLockPerTouchedBlock) {
  buffer memory(512);
  const std::uintptr_t x = memory.address();
  worker thread;
  thread.run([&] {
    for (std::uintptr_t at = x; at < x + 512; at += kGranule) write(at, 8, kPcA);
    std::uint64_t before = reset_stripe_locks();
    reset_range(x, 512);
    EXPECT_EQ(reset_stripe_locks() - before, 8u);
    EXPECT_TRUE(locations(x, x + 512).empty());
    write(x + 8, 8, kPcA);
    write(x + 200, 4, kPcA);
    before = reset_stripe_locks();
    reset_range(x, 512);
    EXPECT_EQ(reset_stripe_locks() - before, 2u);
    EXPECT_TRUE(locations(x, x + 512).empty());
  });
}

// Two unordered readers leave read sets in three granules of one block;
// the reset frees them all, and a thread that then writes the reused memory
// races with nobody.
TEST_F(ResetBlocks, ReadSetsAreFreedAndTheReusedMemoryHasNoStaleRace) {
  buffer memory(128);
  const std::uintptr_t x = memory.address(64);
  worker first, second, third;
  const std::uint64_t sets_before = read_sets_in_use();
  first.run([&] {
    for (int i = 0; i < 3; ++i) read(x + 16 * i, 8, kPcA);
  });
  second.run([&] {
    for (int i = 0; i < 3; ++i) read(x + 16 * i, 8, kPcB);
  });
  EXPECT_EQ(read_sets_in_use(), sets_before + 3);
  reset_range(memory.address(), 128);
  EXPECT_EQ(read_sets_in_use(), sets_before);
  EXPECT_TRUE(locations(memory.address(), memory.address(128)).empty());
  third.run([&] {
    for (std::uintptr_t at = memory.address(); at < memory.address(128); at += kGranule) write(at, 8, kPcC);
  });
  EXPECT_TRUE(take_races().empty());
}

}  // namespace
}  // namespace concheck::race
