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

}  // namespace
}  // namespace concheck::race
