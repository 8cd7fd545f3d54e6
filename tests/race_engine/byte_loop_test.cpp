// Byte loops over memory handed between threads (a pipeline stage reading
// and writing each byte of a buffer it was given): the first access per
// granule and epoch takes the ordered path, the other bytes extend this
// thread's own epoch in W and R (race_engine.cpp's ordered_update). Every
// byte's access must still be recorded, and nothing invented.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::kPcA;
using testing::kPcB;
using testing::take_races;
using testing::worker;

class ByteLoop : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

void read_modify_write_bytes(std::uintptr_t x) {
  for (std::uintptr_t b = 0; b < 8; ++b) {
    read(x + b, 1, kPcA);
    write(x + b, 1, kPcA);
  }
}

// A producer writes 8 bytes at x and hands them to a stage and to a late
// thread, which are not ordered with each other; the stage's byte loop runs
// first. Returns the races found and the stage's id.
template <typename StageBody, typename LateBody>
std::pair<std::vector<race_event>, std::uint64_t> hand_to_stage_then_late(std::uintptr_t x,
                                                                          StageBody stage_body,
                                                                          LateBody late_body) {
  char handoff = 0;
  worker producer, stage, late;
  producer.run([&] {
    write(x, 8, kPcA);
    release(&handoff);
  });
  stage.run([&] {
    acquire(&handoff);
    stage_body();
  });
  late.run([&] {
    acquire(&handoff);  // ordered after the producer only
    late_body();
  });
  auto races = take_races();
  forget_sync(&handoff);
  return {std::move(races), stage.id()};
}

// The last byte's write is recorded only by extending W: an unordered read of
// that byte alone (reads race with W only) must race with it.
TEST_F(ByteLoop, AnUnorderedReadRacesWithTheLastByteWritten) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  const auto [races, stage] = hand_to_stage_then_late(
      x, [&] { read_modify_write_bytes(x); }, [&] { read(x + 7, 1, kPcB); });
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x + 7);
  EXPECT_EQ(races[0].earlier.thread_id, stage);
  EXPECT_TRUE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.size, 8);  // the bytes of the stage's epoch
}

// The last byte's read is recorded only by extending R (the writes that
// follow each read leave this thread's own R in place): an unordered write
// of that byte races with it.
TEST_F(ByteLoop, AnUnorderedWriteRacesWithTheLastByteRead) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  const auto [races, stage] = hand_to_stage_then_late(
      x,
      [&] {
        for (std::uintptr_t b = 0; b < 8; ++b) read(x + b, 1, kPcA);
      },
      [&] { write(x + 7, 1, kPcB); });
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x + 7);
  EXPECT_EQ(races[0].earlier.thread_id, stage);
  EXPECT_FALSE(races[0].earlier.is_write);
}

// Stages handing the buffer on, each reading and writing every byte, and a
// consumer reading them: all ordered, so no race, in any number of rounds
// (R left in place by a stage's own writes must not make the next stage's
// accesses look concurrent).
TEST_F(ByteLoop, AHandedOnBufferDoesNotRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char to_one = 0, to_two = 0, to_consumer = 0;
  worker producer, one, two, consumer;
  for (int round = 0; round < 3; ++round) {
    producer.run([&] {
      acquire(&to_consumer);  // the consumer is done with the last round
      for (std::uintptr_t b = 0; b < 16; ++b) write(x + b, 1, kPcA);
      release(&to_one);
    });
    one.run([&] {
      acquire(&to_one);
      read_modify_write_bytes(x);
      read_modify_write_bytes(x + 8);
      release(&to_two);
    });
    two.run([&] {
      acquire(&to_two);
      read_modify_write_bytes(x);
      read_modify_write_bytes(x + 8);
      release(&to_consumer);
    });
    consumer.run([&] {
      acquire(&to_consumer);
      for (std::uintptr_t b = 0; b < 16; ++b) read(x + b, 1, kPcB);
      release(&to_consumer);
    });
  }
  EXPECT_TRUE(take_races().empty());
  forget_sync(&to_one);
  forget_sync(&to_two);
  forget_sync(&to_consumer);
}

}  // namespace
}  // namespace concheck::race
