// The read hooks' path (access_fast_path.hpp, race_runtime.hpp): the inline
// check read_covered_in_current_epoch, then read_past_fast_check with the
// cell the check found. It must decide as read() does: the same races, the
// same read sets, the same R, sites and location records; only a read whose
// record has nothing to learn is stored there in one pass, everything else
// goes on to the engine's full path.
#include <gtest/gtest.h>

#include <vector>

#include "race/access_fast_path.hpp"
#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/read_sets.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"
#include "read_hook_support.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::hook_read;
using testing::kPcA;
using testing::kPcB;
using testing::kPcC;
using testing::read_word;
using testing::record_at;
using testing::take_races;
using testing::worker;

class ReadPastFastCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    take_races();
    read_sets_sweep();
  }
};

TEST_F(ReadPastFastCheck, TheCheckGivesTheCellOfAReadItDoesNotCover) {
  buffer memory(64);
  const std::uintptr_t at = memory.address(8);
  int sync = 0;
  worker thread;
  thread.run([&] {
    ASSERT_NE(current_context(), nullptr);
    const std::uintptr_t cell = reinterpret_cast<std::uintptr_t>(shadow_cell_for(at));
    std::uintptr_t tagged_cell = 0;
    EXPECT_FALSE(read_covered_in_current_epoch(at, 8, tagged_cell)) << "untouched";
    EXPECT_EQ(tagged_cell & ~kLayoutBits, cell);
    EXPECT_NE(tagged_cell & kLayoutBits, 0u) << "the chunk's layout tag";
    hook_read(at, 4, kPcA);
    EXPECT_TRUE(read_covered_in_current_epoch(at, 4, tagged_cell));
    EXPECT_TRUE(read_covered_in_current_epoch(at + 2, 2, tagged_cell));
    EXPECT_FALSE(read_covered_in_current_epoch(at + 4, 4, tagged_cell)) << "bytes not read";
    write(at + 4, 4, kPcA);
    EXPECT_TRUE(read_covered_in_current_epoch(at + 4, 4, tagged_cell)) << "covered by the write";
    release(&sync);  // a new epoch
    EXPECT_FALSE(read_covered_in_current_epoch(at, 4, tagged_cell));
    tagged_cell = 0;
    EXPECT_FALSE(read_covered_in_current_epoch(at + 4, 8, tagged_cell)) << "two granules";
    EXPECT_EQ(tagged_cell, 0u) << "the hook's full path";
  });
  EXPECT_TRUE(take_races().empty());
}

// A read unordered with an earlier write races with it, on the first read
// (the site memo empty: the full path) and on one whose site the memo has
// (the one-pass path's check of W).
TEST_F(ReadPastFastCheck, AReadFindsARaceWithAnEarlierWrite) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(0);
  const std::uintptr_t y = memory.address(8);
  worker writer, reader;
  writer.run([&] {
    write(x, 8, kPcA);
    write(y, 8, kPcA);
  });
  std::uint32_t reader_site = 0;
  reader.run([&] {
    hook_read(x, 8, kPcB);
    hook_read(y, 4, kPcB);
    reader_site = current_site(kPcB);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 2u);
  for (const race_event& race : races) {
    EXPECT_TRUE(race.earlier.is_write);
    EXPECT_EQ(race.earlier.thread_id, writer.id());
    EXPECT_FALSE(race.current.is_write);
    EXPECT_EQ(race.current.thread_id, reader.id());
    EXPECT_EQ(race.current.site, reader_site);
  }
}

// A read the one pass leaves to the full path hands on its own size and
// address (read_past_fast_check takes the size again from the byte mask):
// reads of 1, 2 and 4 bytes at every offset where they fit, each racing with
// an earlier write to its own granule, are reported with their size.
TEST_F(ReadPastFastCheck, AReadLeftToTheFullPathKeepsItsSize) {
  struct read_at {
    std::size_t size, offset;
  };
  std::vector<read_at> reads;
  for (const std::size_t size : {1u, 2u, 4u, 8u}) {
    for (std::size_t offset = 0; offset + size <= kGranule; offset += size) reads.push_back({size, offset});
  }
  buffer memory(kGranule * reads.size());
  worker writer, reader;
  writer.run([&] {
    for (std::size_t i = 0; i < reads.size(); ++i) write(memory.address(i * kGranule), 8, kPcA);
  });
  reader.run([&] {
    for (std::size_t i = 0; i < reads.size(); ++i) {
      hook_read(memory.address(i * kGranule + reads[i].offset), reads[i].size, kPcB);
    }
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), reads.size());
  for (const race_event& race : races) {
    const std::size_t i = (race.address - memory.address(0)) / kGranule;
    ASSERT_LT(i, reads.size());
    EXPECT_EQ(race.address, memory.address(i * kGranule + reads[i].offset));
    EXPECT_EQ(race.current.size, reads[i].size) << "offset " << reads[i].offset;
  }
}

// Two unordered readers make R a read set; the first reader's next read in a
// new epoch, while the other is still concurrent, updates its own item.
TEST_F(ReadPastFastCheck, ConcurrentReadsBuildAReadSet) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(16);
  int sync = 0;
  worker a, b;
  a.run([&] { hook_read(x, 8, kPcA); });
  b.run([&] { hook_read(x, 8, kPcB); });
  const std::uint64_t r = read_word(x);
  ASSERT_TRUE(is_read_shared(r));
  std::uint64_t a_epoch = 0;
  a.run([&] {
    release(&sync);
    hook_read(x, 8, kPcA);
    a_epoch = current_context()->epoch;
  });
  EXPECT_EQ(read_word(x), r);
  const read_set& set = read_set_at(epoch_clock(r));
  ASSERT_EQ(set.count, 2u);
  EXPECT_EQ(set.at(0).epoch, a_epoch);
  EXPECT_TRUE(take_races().empty());
}

// A read of a shared granule ordered after its write (memory handed over)
// stores its epoch and site in one pass; a write concurrent with it then
// races with it, and the report names the read's site.
TEST_F(ReadPastFastCheck, AnOrderedReadStoresItsEpochAndSite) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(24);
  const std::uintptr_t y = memory.address(32);
  int handoff = 0;
  int next = 0;
  worker writer, reader, later;
  writer.run([&] {
    write(x, 8, kPcA);
    write(y, 8, kPcA);
    release(&handoff);
  });
  std::uint64_t reader_epoch = 0;
  std::uint32_t reader_site = 0;
  reader.run([&] {
    acquire(&handoff);
    hook_read(y, 8, kPcC);  // shares y: the full path; kPcC's site is in the memo now
    hook_read(x, 8, kPcC);  // shares x too (its record was the writer's)
    release(&next);         // a new epoch: the granules are shared and settled
    hook_read(x, 2, kPcC);
    reader_epoch = current_context()->epoch;
    reader_site = current_site(kPcC);
  });
  EXPECT_EQ(read_word(x), reader_epoch | 0x03);
  EXPECT_EQ(record_at(x).state, sharing::synchronized);
  later.run([&] {
    acquire(&handoff);  // ordered after the write, not after the read
    write(x, 1, kPcB);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_FALSE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.thread_id, reader.id());
  EXPECT_EQ(races[0].earlier.site, reader_site);
}

// A granule only this thread used, read in a new epoch: its own R replaced,
// its record still this thread's alone.
TEST_F(ReadPastFastCheck, AThreadsOwnGranuleStaysItsOwn) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(40);
  int sync = 0;
  worker thread;
  std::uint64_t epoch = 0;
  thread.run([&] {
    write(x, 8, kPcA);
    hook_read(x, 8, kPcA);  // covered by the write
    release(&sync);
    hook_read(x, 4, kPcA);
    epoch = current_context()->epoch;
  });
  EXPECT_EQ(read_word(x), epoch | 0x0f);
  EXPECT_EQ(record_at(x).state, sharing::one_thread);
  EXPECT_TRUE(take_races().empty());
}

// A read whose record has something to learn is not stored in one pass:
// another thread's read ordered after the owner's accesses makes the
// granule shared.
TEST_F(ReadPastFastCheck, AReadThatSharesAGranuleUpdatesItsRecord) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(48);
  const std::uintptr_t y = memory.address(56);
  int handoff = 0;
  worker owner, reader;
  owner.run([&] {
    write(x, 8, kPcA);
    write(y, 8, kPcA);
    release(&handoff);
  });
  reader.run([&] {
    acquire(&handoff);
    hook_read(y, 8, kPcB);  // puts kPcB's site in the memo
    hook_read(x, 8, kPcB);
  });
  EXPECT_EQ(record_at(x).state, sharing::synchronized);
  EXPECT_EQ(record_at(y).state, sharing::synchronized);
  EXPECT_TRUE(take_races().empty());
}

}  // namespace
}  // namespace concheck::race
