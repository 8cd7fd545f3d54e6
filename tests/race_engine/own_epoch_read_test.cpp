// More bytes of a granule its thread already read in its current epoch (a
// byte loop's second to eighth byte: pipeline's consumer), read through the
// hooks' path (read_past_fast_check): R holding the thread's own epoch
// must not make the read skip W or the location record. A byte another
// thread wrote meanwhile still races, and a record another thread shared
// meanwhile still learns this thread's locks (issue 12: a shortcut for
// these reads was measured in race-pipe20 and dropped; these pin what any
// such shortcut must keep).
#include <gtest/gtest.h>

#include <cstdint>

#include "race/access_fast_path.hpp"
#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"
#include "read_hook_support.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::hook_read;
using testing::kPcA;
using testing::kPcB;
using testing::locations;
using testing::take_races;
using testing::worker;

class OwnEpochRead : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

// Another thread writes byte 3 after the reader's first byte, unordered:
// the reader's read of byte 3 still races with it.
TEST_F(OwnEpochRead, AByteAnotherThreadWroteMeanwhileStillRaces) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(16);
  worker reader, writer;
  reader.run([&] { hook_read(x, 1, kPcA); });
  writer.run([&] { write(x + 3, 1, kPcB); });
  reader.run([&] { hook_read(x + 3, 1, kPcA); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x + 3);
  EXPECT_FALSE(races[0].current.is_write);
  EXPECT_EQ(races[0].current.thread_id, reader.id());
  EXPECT_EQ(races[0].earlier.thread_id, writer.id());
}

// The reader's granule becomes shared between its first and its second
// byte (another thread's atomic load under lock 77, which stores no R): the
// second byte, read under lock 55, must still reach the record, whose
// candidate set {77} becomes empty.
TEST_F(OwnEpochRead, ARecordSharedMeanwhileLearnsTheReadersLocks) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(24);
  worker reader, other;
  reader.run([&] {
    lock_acquired(55);
    hook_read(x, 1, kPcA);
  });
  other.run([&] {
    lock_acquired(77);
    atomic_access(x + 4, 4, false, kPcB);
    lock_released(77);
  });
  auto found = locations(x, x + kGranule);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second.state, sharing::locked);
  reader.run([&] {
    hook_read(x + 1, 1, kPcA);
    lock_released(55);
  });
  found = locations(x, x + kGranule);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second.state, sharing::synchronized);
  EXPECT_TRUE(take_races().empty());
}

}  // namespace
}  // namespace concheck::race
