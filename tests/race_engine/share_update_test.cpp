// The sharing path (race_engine.cpp, share_update): a granule of a plain
// 16-byte access in a dense chunk (sixteen_access) that one other thread
// alone used so far, with nothing concurrent to it, has its record made
// shared without the stripe lock. The record, R, W and sites must be what
// the slow path stores; an access that races, or a granule of a split
// chunk, still takes the slow path.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "race/lockset_table.hpp"
#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::chunk_is_dense;
using testing::kPcA;
using testing::kPcB;
using testing::kPcC;
using testing::locks_of;
using testing::read_word;
using testing::record_at;
using testing::take_races;
using testing::worker;

std::uint64_t slow_path_count() {
  return tls_test_counters.slow_paths;
}

class ShareUpdate : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

// A buffer handed over: the receiver's first read and first write of a
// granule each share it without the slow path, with the receiver's locks;
// a later unordered write races with the read, naming its site.
TEST_F(ShareUpdate, AHandedOverGranuleIsSharedWithoutTheSlowPath) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(0);
  const std::uintptr_t y = memory.address(16);
  int handoff = 0;
  worker producer, receiver, late;
  producer.run([&] {
    write(x, 16, kPcA);
    write(y, 16, kPcA);
    release(&handoff);
  });
  const bool dense = chunk_is_dense(x);
  std::uint64_t slow = 0;
  std::uint64_t epoch = 0;
  std::uint32_t read_site = 0;
  receiver.run([&] {
    acquire(&handoff);
    lock_acquired(21);
    const std::uint64_t before = slow_path_count();
    read(x, 16, kPcB);
    write(y, 16, kPcB);
    slow = slow_path_count() - before;
    epoch = current_context()->epoch;
    read_site = current_site(kPcB);
    lock_released(21);
  });
  if (dense) {
    EXPECT_EQ(slow, 0u);
  }
  for (std::uintptr_t granule : {x, x + kGranule}) EXPECT_EQ(read_word(granule), epoch | kMaskBits);
  for (std::uintptr_t granule : {y, y + kGranule}) {
    EXPECT_EQ(shadow_cell_for(granule)->write.load(), epoch | kMaskBits);
  }
  for (std::uintptr_t granule : {x, x + kGranule, y, y + kGranule}) {
    const location_state record = record_at(granule);
    EXPECT_EQ(record.state, sharing::locked);
    EXPECT_EQ(locks_of(record.lockset), std::vector<std::uint64_t>{21});
  }
  EXPECT_TRUE(take_races().empty());
  late.run([&] {
    acquire(&handoff);  // ordered after the producer only
    write(x + 3, 1, kPcC);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_FALSE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.thread_id, receiver.id());
  EXPECT_EQ(races[0].earlier.site, read_site);
}

// An access concurrent with the owner's is a race: the slow path reports it
// (each granule once) and the records become racy.
TEST_F(ShareUpdate, AnUnorderedAccessStillRaces) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(32);
  worker owner, other;
  owner.run([&] { write(x, 16, kPcA); });
  other.run([&] { read(x, 16, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 2u);
  for (const race_event& race : races) {
    EXPECT_TRUE(race.earlier.is_write);
    EXPECT_EQ(race.earlier.thread_id, owner.id());
  }
  EXPECT_EQ(record_at(x).state, sharing::racy);
  EXPECT_EQ(record_at(x + kGranule).state, sharing::racy);
}

// The slow path's update of a record the sharing path made shared keeps
// both accesses' locks: the intersection, never one side's set alone.
TEST_F(ShareUpdate, ALaterSlowPathIntersectsTheSharedLockset) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(32);
  int handoff = 0;
  worker producer, first, second;
  producer.run([&] {
    write(x, 16, kPcA);
    release(&handoff);
  });
  first.run([&] {
    acquire(&handoff);
    lock_acquired(31);
    lock_acquired(32);
    read(x, 16, kPcB);
    lock_released(32);
    lock_released(31);
    release(&handoff);
  });
  second.run([&] {
    acquire(&handoff);
    lock_acquired(32);
    write(x, 16, kPcC);
    lock_released(32);
  });
  for (std::uintptr_t granule : {x, x + kGranule}) {
    const location_state record = record_at(granule);
    EXPECT_EQ(record.state, sharing::locked);
    EXPECT_EQ(locks_of(record.lockset), std::vector<std::uint64_t>{32});
  }
  EXPECT_TRUE(take_races().empty());
}

}  // namespace
}  // namespace concheck::race
