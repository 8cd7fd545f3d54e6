// The race engine finds the races of unordered conflicting accesses, and
// none between accesses that cannot conflict (neighbouring bytes, atomics).
#include <gtest/gtest.h>

#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::kPcA;
using testing::kPcB;
using testing::kPcC;
using testing::take_races;
using testing::worker;

class RaceEngine : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

TEST_F(RaceEngine, WriteWriteRaceIsReportedWithBothAccesses) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(8);
  worker first, second;
  first.run([&] { write(x, 4, kPcA); });
  second.run([&] { write(x, 4, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x);
  EXPECT_TRUE(races[0].current.is_write);
  EXPECT_TRUE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].current.thread_id, second.id());
  EXPECT_EQ(races[0].earlier.thread_id, first.id());
  EXPECT_EQ(races[0].current.size, 4);
  EXPECT_EQ(races[0].earlier.size, 4);
  EXPECT_NE(races[0].current.site, 0u);
  EXPECT_NE(races[0].earlier.site, 0u);
  EXPECT_NE(races[0].current.site, races[0].earlier.site);
}

TEST_F(RaceEngine, ReadThenWriteRaces) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker reader, writer;
  reader.run([&] { read(x, 8, kPcA); });
  writer.run([&] { write(x, 8, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_TRUE(races[0].current.is_write);
  EXPECT_FALSE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.thread_id, reader.id());
}

TEST_F(RaceEngine, WriteThenReadRaces) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker writer, reader;
  writer.run([&] { write(x, 2, kPcA); });
  reader.run([&] { read(x, 1, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_FALSE(races[0].current.is_write);
  EXPECT_TRUE(races[0].earlier.is_write);
}

TEST_F(RaceEngine, ReadsDoNotRaceWithReads) {
  buffer memory(64);
  worker first, second;
  first.run([&] { read(memory.address(), 8, kPcA); });
  second.run([&] { read(memory.address(), 8, kPcB); });
  EXPECT_TRUE(take_races().empty());
}

TEST_F(RaceEngine, OneThreadNeverRacesWithItself) {
  buffer memory(64);
  worker only;
  only.run([&] {
    for (int i = 0; i < 3; ++i) {
      write(memory.address(), 8, kPcA);
      read(memory.address(4), 4, kPcB);
      release(&memory);  // new epochs
    }
  });
  EXPECT_TRUE(take_races().empty());
}

// Accesses of a granule only one thread used take the lock-free exclusive
// path; what they record still finds the race, with the last site.
TEST_F(RaceEngine, ThreadLocalUpdatesInLaterEpochsStillRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char epochs = 0;
  worker first, second;
  first.run([&] {
    write(x, 8, kPcA);
    release(&epochs);
    read(x, 8, kPcA);
    release(&epochs);
    write(x, 8, kPcB);
  });
  const std::uint32_t last_site = [&] {
    std::uint32_t site = 0;
    first.run([&] { site = current_site(kPcB); });
    return site;
  }();
  second.run([&] { read(x, 8, kPcA); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_TRUE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.site, last_site);
  forget_sync(&epochs);
}

// A site is the access's pc and its whole call stack: accesses at one pc
// under different stacks (after a call or a return) are named by their own
// stacks, not by the one of the last lookup at that pc (the per-thread
// memo in front of the site cache, race_context.hpp's site_of).
TEST_F(RaceEngine, OnePcUnderAnotherStackHasItsOwnSite) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(0);
  const std::uintptr_t y = memory.address(16);
  const std::uintptr_t z = memory.address(32);
  std::uint32_t site_x = 0, site_y = 0, site_z = 0;
  worker first, second;
  first.run([&] {
    func_entry(kPcB);
    write(x, 8, kPcA);
    site_x = current_site(kPcA);
    func_exit();
    func_entry(kPcC);
    write(y, 8, kPcA);
    site_y = current_site(kPcA);
    func_exit();
    write(z, 8, kPcA);
    site_z = current_site(kPcA);
  });
  EXPECT_NE(site_x, site_y);
  EXPECT_NE(site_y, site_z);
  EXPECT_NE(site_x, site_z);
  second.run([&] {
    read(x, 8, kPcB);
    read(y, 8, kPcB);
    read(z, 8, kPcB);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 3u);
  for (const auto& race : races) {
    const std::uint32_t expected = race.address == x ? site_x : race.address == y ? site_y : site_z;
    EXPECT_EQ(race.earlier.site, expected) << "race at offset " << (race.address - x);
  }
}

TEST_F(RaceEngine, SubGranuleNeighboursNeverRace) {
  buffer memory(64);
  const std::uintptr_t granule = memory.address(16);
  worker first, second;
  first.run([&] { write(granule, 1, kPcA); });
  second.run([&] { write(granule + 1, 1, kPcB); });
  first.run([&] { read(granule, 1, kPcA); });
  second.run([&] { write(granule + 4, 4, kPcB); });
  first.run([&] { read(granule + 2, 2, kPcA); });
  EXPECT_TRUE(take_races().empty());
  // An unaligned access that spans two granules races only where it overlaps.
  second.run([&] { write(granule + 6, 4, kPcB); });  // bytes 6..7 and 8..9
  first.run([&] { write(granule + 8, 1, kPcA); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, granule + 8);
}

// A payload and its flag in one granule: the writer's atomic store of the
// flag must not erase its plain write of the payload, which an unordered
// reader of the payload races with (the relaxed hand-off lesson).
TEST_F(RaceEngine, AnAtomicStoreBesideAPlainWriteKeepsThePlainWrite) {
  buffer memory(64);
  const std::uintptr_t flag = memory.address(24);
  const std::uintptr_t payload = flag + 4;
  worker writer, reader;
  writer.run([&] {
    write(payload, 4, kPcA);
    release(&memory);  // a new epoch between the two, as a lock would make
    atomic_access(flag, 4, true, kPcA);
  });
  reader.run([&] {
    atomic_access(flag, 4, false, kPcB);  // no acquire: orders nothing
    read(payload, 4, kPcB);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, payload);
  EXPECT_TRUE(races[0].earlier.is_write);
  EXPECT_FALSE(races[0].earlier.is_atomic);
}

TEST_F(RaceEngine, ConcurrentReadsShareAndAWriteRacesWithTheUnorderedReader) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char handoff = 0;
  const std::uint64_t read_sets_before = get_engine_stats().read_sets;
  worker first_reader, second_reader, writer;
  first_reader.run([&] {
    read(x, 8, kPcA);
    release(&handoff);
  });
  second_reader.run([&] { read(x, 8, kPcB); });
  EXPECT_EQ(get_engine_stats().read_sets, read_sets_before + 1);  // R inflated to a read set
  // The writer is ordered after the first reader only.
  writer.run([&] {
    acquire(&handoff);
    write(x, 8, kPcA);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, second_reader.id());
  EXPECT_FALSE(races[0].earlier.is_write);
  EXPECT_EQ(get_engine_stats().read_sets, read_sets_before);  // the write returned it
  forget_sync(&handoff);
}

TEST_F(RaceEngine, AWriteOrderedAfterEveryReaderDoesNotRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char handoff = 0;
  worker first_reader, second_reader, writer;
  first_reader.run([&] {
    read(x, 4, kPcA);
    release_merge(&handoff);
  });
  second_reader.run([&] {
    read(x, 4, kPcB);
    release_merge(&handoff);
  });
  writer.run([&] {
    acquire(&handoff);
    write(x, 4, kPcA);
  });
  EXPECT_TRUE(take_races().empty());
  forget_sync(&handoff);
}

// A reader already in a read set that reads again in a later epoch replaces
// its older item in the set: a write ordered after its first read but not
// its second still races, with the second.
TEST_F(RaceEngine, AReaderRereadingInALaterEpochRacesWithAWriteOrderedAfterItsFirstRead) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char handoff = 0;
  const std::uint64_t read_sets_before = get_engine_stats().read_sets;
  worker first_reader, second_reader, writer;
  first_reader.run([&] { read(x, 8, kPcA); });
  second_reader.run([&] {
    read(x, 8, kPcB);
    release_merge(&handoff);
  });
  first_reader.run([&] {
    release_merge(&handoff);  // a new epoch: the next read is not covered by the first
    read(x, 8, kPcB);
  });
  EXPECT_EQ(get_engine_stats().read_sets, read_sets_before + 1);  // still one set, both readers in it
  writer.run([&] {
    acquire(&handoff);
    write(x, 8, kPcA);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, first_reader.id());
  EXPECT_FALSE(races[0].earlier.is_write);
  forget_sync(&handoff);
}

TEST_F(RaceEngine, AWriteOrderedAfterEveryRereadDoesNotRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char handoff = 0;
  worker first_reader, second_reader, writer;
  first_reader.run([&] { read(x, 8, kPcA); });
  second_reader.run([&] {
    read(x, 8, kPcB);
    release_merge(&handoff);
  });
  for (int again = 0; again < 3; ++again) {
    first_reader.run([&] {
      release_merge(&handoff);
      read(x, 8, kPcB);
    });
  }
  first_reader.run([&] { release_merge(&handoff); });
  writer.run([&] {
    acquire(&handoff);
    write(x, 8, kPcA);
  });
  EXPECT_TRUE(take_races().empty());
  forget_sync(&handoff);
}

// A shared granule whose stored accesses happened before the current one is
// updated without the stripe lock (race_engine.cpp's ordered_update): the
// update must still land, so a write ordered after the thread's earlier
// write but not its later one races with the later one.
TEST_F(RaceEngine, AWriteAfterAHandOffStillRacesWithTheOwnersLaterWrite) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char first = 0, second = 0;
  worker producer, owner, late;
  producer.run([&] {
    write(x, 8, kPcA);
    release(&first);
  });
  owner.run([&] {
    acquire(&first);
    write(x, 8, kPcA);  // the granule becomes shared
    release(&second);   // a new epoch
    write(x, 8, kPcB);  // ordered after everything stored: the lock-free path
  });
  late.run([&] {
    acquire(&second);  // ordered after the owner's first write only
    write(x, 8, kPcA);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, owner.id());
  EXPECT_TRUE(races[0].earlier.is_write);
  forget_sync(&first);
  forget_sync(&second);
}

TEST_F(RaceEngine, AWriteAfterAHandOffStillRacesWithTheOwnersLaterRead) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char first = 0, second = 0;
  worker producer, owner, late;
  producer.run([&] {
    write(x, 8, kPcA);
    release(&first);
  });
  owner.run([&] {
    acquire(&first);
    read(x, 8, kPcA);  // the granule becomes shared
    release(&second);  // a new epoch
    read(x, 8, kPcB);  // ordered after everything stored: the lock-free path
  });
  late.run([&] {
    acquire(&second);  // ordered after the owner's first read only
    write(x, 8, kPcA);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, owner.id());
  EXPECT_FALSE(races[0].earlier.is_write);
  forget_sync(&first);
  forget_sync(&second);
}

TEST_F(RaceEngine, HandOffsInBothDirectionsDoNotRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  char to_b = 0, to_a = 0;
  worker a, b;
  for (int round = 0; round < 4; ++round) {
    a.run([&] {
      acquire(&to_a);
      read(x, 8, kPcA);
      write(x, 8, kPcA);
      release(&to_b);
    });
    b.run([&] {
      acquire(&to_b);
      read(x, 8, kPcB);
      write(x, 8, kPcB);
      release(&to_a);
    });
  }
  EXPECT_TRUE(take_races().empty());
  forget_sync(&to_a);
  forget_sync(&to_b);
}

TEST_F(RaceEngine, NonOverlappingReadsReplaceInsteadOfSharing) {
  buffer memory(64);
  const std::uint64_t read_sets_before = get_engine_stats().read_sets;
  worker first, second;
  first.run([&] { read(memory.address(), 4, kPcA); });
  second.run([&] { read(memory.address(4), 4, kPcB); });
  EXPECT_EQ(get_engine_stats().read_sets, read_sets_before);
  EXPECT_TRUE(take_races().empty());
}

TEST_F(RaceEngine, AtomicsDoNotRaceWithAtomics) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker first, second, third;
  first.run([&] { atomic_access(x, 8, true, kPcA); });
  second.run([&] { atomic_access(x, 8, true, kPcB); });
  third.run([&] { atomic_access(x, 8, false, kPcA); });
  first.run([&] { atomic_access(x, 8, false, kPcA); });
  EXPECT_TRUE(take_races().empty());
}

TEST_F(RaceEngine, APlainReadRacesWithAnAtomicWrite) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker first, second;
  first.run([&] { atomic_access(x, 4, true, kPcA); });
  second.run([&] { read(x, 4, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_TRUE(races[0].earlier.is_atomic);
  EXPECT_FALSE(races[0].current.is_atomic);
}

TEST_F(RaceEngine, AnAtomicWriteRacesWithAPlainRead) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker first, second;
  first.run([&] { read(x, 4, kPcA); });
  second.run([&] { atomic_access(x, 4, true, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_TRUE(races[0].current.is_atomic);
  EXPECT_FALSE(races[0].earlier.is_write);
}

TEST_F(RaceEngine, AnAtomicLoadRacesWithAPlainWrite) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker first, second;
  first.run([&] { write(x, 8, kPcA); });
  second.run([&] { atomic_access(x, 8, false, kPcB); });
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(RaceEngine, EachRacyGranuleIsReportedOnce) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker first, second;
  first.run([&] { write(x, 16, kPcA); });  // two granules
  second.run([&] { write(x, 8, kPcB); });
  EXPECT_EQ(take_races().size(), 1u);
  for (int round = 0; round < 3; ++round) {
    first.run([&] {
      release(&memory);  // a new epoch: the slow path again
      write(x, 8, kPcA);
    });
    second.run([&] {
      release(&memory);
      read(x, 8, kPcB);
    });
  }
  EXPECT_TRUE(take_races().empty());
  // The variable's second granule is a location of its own.
  second.run([&] { write(x + 8, 8, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x + 8);
  forget_sync(&memory);
}

TEST_F(RaceEngine, ReportsNameTheLocksEachSideHeld) {
  buffer memory(64);
  const std::uintptr_t x = memory.address();
  worker first, second;
  first.run([&] {
    lock_acquired(101);
    write(x, 8, kPcA);
  });
  second.run([&] {
    lock_acquired(202);
    lock_acquired(303);
    write(x, 8, kPcB);
    lock_released(303);
    lock_released(202);
  });
  first.run([] { lock_released(101); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  std::uint64_t locks[4];
  std::size_t count = 0;
  lockset_locks(races[0].earlier.lockset, locks, count, 4);
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(locks[0], 101u);
  lockset_locks(races[0].current.lockset, locks, count, 4);
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(locks[0], 202u);
  EXPECT_EQ(locks[1], 303u);
}

// An aligned 16-byte access (a vectorized loop's) that this thread already
// made in its epoch returns on the fast path; a later one of another thread
// still races with it, on either granule.
TEST_F(RaceEngine, SixteenByteAccessesCoveredInTheEpochStillRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(16);
  worker first, second, third;
  first.run([&] {
    write(x, 16, kPcA);
    write(x, 16, kPcA);  // covered: the fast path
    read(x, 16, kPcB);   // covered by W
  });
  second.run([&] { read(x + 8, 8, kPcC); });
  auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x + 8);
  EXPECT_TRUE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.thread_id, first.id());
  third.run([&] { write(x, 16, kPcC); });
  races = take_races();
  ASSERT_EQ(races.size(), 1u);  // x + 8 was reported already
  EXPECT_EQ(races[0].address, x);
  EXPECT_EQ(races[0].earlier.thread_id, first.id());
}

// The same at 8 modulo 16 (single_loop's final loop reads there): the two
// granules' cells are taken from one chunk as well.
TEST_F(RaceEngine, SixteenByteAccessesAtEightModuloSixteenCoveredStillRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(24);
  worker first, second;
  first.run([&] {
    write(x, 16, kPcA);
    write(x, 16, kPcA);  // covered
    read(x, 16, kPcB);   // covered by W
  });
  second.run([&] { write(x + 8, 8, kPcC); });
  auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x + 8);
  EXPECT_EQ(races[0].earlier.thread_id, first.id());
}

// A 16-byte access whose second granule is the first of the next chunk:
// that granule's cell is in the other chunk's shadow, so the covered check
// must not take it from the first chunk's cells (where it would find the
// first chunk's first cell, this thread's own write, and miss the race).
TEST_F(RaceEngine, ASixteenByteAccessAcrossTwoChunksChecksTheSecondChunk) {
  constexpr std::size_t one_chunk = std::size_t{1} << kChunkShift;
  buffer memory(2 * one_chunk, one_chunk);
  const std::uintptr_t base = memory.address();
  const std::uintptr_t x = base + one_chunk - kGranule;  // the first chunk's last granule
  worker first, second;
  first.run([&] {
    write(base, 8, kPcA);  // the first chunk's first granule: covered from now on
    write(x, 8, kPcA);
  });
  second.run([&] { write(x + kGranule, 8, kPcB); });
  first.run([&] { read(x, 16, kPcA); });  // the second granule: second's write
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, x + kGranule);
  EXPECT_EQ(races[0].earlier.thread_id, second.id());
}

}  // namespace
}  // namespace concheck::race
