// Plain 16-byte accesses at a granule boundary (a vectorized loop's, which
// clang instruments with __tsan_unaligned_read16/write16): in a dense chunk
// each granule is decided in one pass (race_engine.cpp, sixteen_access),
// everything the one pass does not decide on the full path. The races, R,
// W, sites and location records must be what the range loop gives, with the
// access's size (16) in reports; in a split chunk the range loop runs.
#include <gtest/gtest.h>

#include <cstdint>

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
using testing::read_word;
using testing::record_at;
using testing::take_races;
using testing::worker;
using testing::write_word;

// The calling thread's count of 16-byte granules left to the full path.
std::uint64_t full_path_count() {
  return tls_test_counters.sixteen_full_path;
}

// The calling thread's count of granules the range loop took.
std::uint64_t range_count() {
  return tls_test_counters.range_granules;
}

class SixteenAccess : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

// A pipeline: a producer fills 16 bytes and hands them to stage one, which
// reads and writes them and hands them to stage two, which does the same.
// Stage one's reads make the producer's granules shared (share_update); its
// writes and all of stage two's accesses are decided in one pass, and they
// store what the full path stores.
TEST_F(SixteenAccess, AHandedOverBuffersAccessesTakeTheOnePass) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(16);
  int first = 0;
  int second = 0;
  worker producer, stage_one, stage_two;
  producer.run([&] {
    write(x, 16, kPcA);
    release(&first);
  });
  std::uint64_t one_read = 0;
  std::uint64_t one_write = 0;
  stage_one.run([&] {
    acquire(&first);
    const std::uint64_t before = full_path_count();
    read(x, 16, kPcB);
    one_read = full_path_count() - before;
    write(x, 16, kPcB);
    one_write = full_path_count() - one_read - before;
    release(&second);
  });
  EXPECT_EQ(one_read, 0u) << "the producer's records made shared in one pass (share_update)";
  EXPECT_EQ(one_write, 0u);
  std::uint64_t two = 0;
  std::uint64_t two_range = 0;
  std::uint64_t epoch = 0;
  stage_two.run([&] {
    acquire(&second);
    read(x + 2 * kGranule, 8, kPcC);  // another granule: kPcC's site in the memo
    const std::uint64_t before = full_path_count();
    const std::uint64_t range_before = range_count();
    read(x, 16, kPcC);
    write(x, 16, kPcC);
    two_range = range_count() - range_before;
    read(x, 16, kPcC);  // covered
    two = full_path_count() - before;
    epoch = current_context()->epoch;
  });
  EXPECT_EQ(two, 0u);
  // A split chunk's granules take the range loop, a dense chunk's never.
  EXPECT_EQ(two_range, chunk_is_dense(x) ? 0u : 4u);
  for (std::uintptr_t granule : {x, x + kGranule}) {
    EXPECT_EQ(write_word(granule), epoch | kMaskBits);
    EXPECT_EQ(read_word(granule), epoch | kMaskBits) << "the read of this epoch stays under its write";
    EXPECT_EQ(record_at(granule).state, sharing::synchronized);
  }
  EXPECT_TRUE(take_races().empty());
}

// A read unordered with the writes races with them, in both granules, with
// the read's size; the one pass leaves a concurrent W to the full path.
TEST_F(SixteenAccess, AReadRacesWithAnUnorderedWrite) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(32);
  int sync = 0;
  worker writer, reader;
  writer.run([&] { write(x, 16, kPcA); });
  reader.run([&] {
    read(x + kGranule, 8, kPcB);  // kPcB's site in the memo; races with the second granule
    release(&sync);
  });
  ASSERT_EQ(take_races().size(), 1u);
  writer.run([&] {
    release(&sync);  // a new epoch; the granules become the writer's again below
    write(x, 16, kPcA);
  });
  std::uint32_t reader_site = 0;
  reader.run([&] {
    read(x, 16, kPcB);
    reader_site = current_site(kPcB);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u) << "the second granule reported already";
  EXPECT_EQ(races[0].address, x);
  EXPECT_TRUE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.thread_id, writer.id());
  EXPECT_FALSE(races[0].current.is_write);
  EXPECT_EQ(races[0].current.size, 16);
  EXPECT_EQ(races[0].current.site, reader_site);
}

// A read stored in one pass is what a later write concurrent with it races
// with, with the read's site.
TEST_F(SixteenAccess, AWriteRacesWithAReadStoredInOnePass) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(0);
  int handoff = 0;
  int next = 0;
  worker producer, reader, late;
  producer.run([&] {
    write(x, 16, kPcA);
    release(&handoff);
  });
  std::uint32_t reader_site = 0;
  std::uint64_t reader_epoch = 0;
  reader.run([&] {
    acquire(&handoff);
    read(x, 16, kPcB);  // shares the granules
    release(&next);     // a new epoch
    read(x, 16, kPcB);  // the one pass
    reader_site = current_site(kPcB);
    reader_epoch = current_context()->epoch;
  });
  EXPECT_EQ(read_word(x), reader_epoch | kMaskBits);
  EXPECT_EQ(read_word(x + kGranule), reader_epoch | kMaskBits);
  late.run([&] {
    acquire(&handoff);  // ordered after the producer's write, not the reads
    write(x + kGranule, 16, kPcC);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u) << "the second granule's; the third was never read";
  EXPECT_EQ(races[0].address, x + kGranule);
  EXPECT_FALSE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.thread_id, reader.id());
  EXPECT_EQ(races[0].earlier.site, reader_site);
  EXPECT_TRUE(races[0].current.is_write);
  EXPECT_EQ(races[0].current.size, 16);
}

// Two writers of handed-over memory, unordered with each other: the second
// one's write races with the first one's, which the one pass stored (a CAS
// on W).
TEST_F(SixteenAccess, TwoUnorderedWritersRace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(32);
  int handoff = 0;
  worker producer, a, b;
  producer.run([&] {
    write(x, 16, kPcA);
    release(&handoff);
  });
  std::uint64_t a_epoch = 0;
  a.run([&] {
    acquire(&handoff);
    read(x, 16, kPcB);  // shares the granules; kPcB's site in the memo
    write(x, 16, kPcB);
    a_epoch = current_context()->epoch;
  });
  EXPECT_EQ(write_word(x), a_epoch | kMaskBits);
  b.run([&] {
    acquire(&handoff);
    write(x, 16, kPcC);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 2u);
  for (const race_event& race : races) {
    EXPECT_TRUE(race.earlier.is_write);
    EXPECT_EQ(race.earlier.thread_id, a.id());
    EXPECT_EQ(race.current.thread_id, b.id());
  }
}

// An ordered write that covers another thread's earlier read clears R (as
// ordered_update does); this thread's own granule, written in a new epoch,
// stays its own.
TEST_F(SixteenAccess, AnOrderedWriteClearsAnOlderReadAndAnOwnGranuleStaysOwn) {
  buffer memory(128);
  const std::uintptr_t shared = memory.address(0);
  const std::uintptr_t own = memory.address(64);
  int handoff = 0;
  int next = 0;
  worker producer, reader, writer;
  producer.run([&] {
    write(shared, 16, kPcA);
    release(&handoff);
  });
  reader.run([&] {
    acquire(&handoff);
    read(shared, 16, kPcB);
    release(&handoff);
  });
  std::uint64_t epoch = 0;
  writer.run([&] {
    acquire(&handoff);
    read(shared + 32, 8, kPcC);  // kPcC's site in the memo
    write(shared, 16, kPcC);
    write(own, 16, kPcC);
    release(&next);
    write(own, 16, kPcC);
    epoch = current_context()->epoch;
  });
  EXPECT_EQ(read_word(shared), 0u);
  EXPECT_EQ(read_word(shared + kGranule), 0u);
  EXPECT_EQ(write_word(own), epoch | kMaskBits);
  EXPECT_EQ(write_word(own + kGranule), epoch | kMaskBits);
  EXPECT_EQ(record_at(own).state, sharing::one_thread);
  EXPECT_TRUE(take_races().empty());
}

}  // namespace
}  // namespace concheck::race
