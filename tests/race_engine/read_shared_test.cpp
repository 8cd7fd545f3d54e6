// Reads of a read-shared granule (R names a read set, read_sets.hpp) in a
// new epoch, by a thread already in the set: the engine records them without
// the stripe lock (race_engine.cpp, update_own_read_item). Readers of a
// structure under a reader lock do this at every lookup (issue 12,
// read_mostly). The lock-free path must keep every race the slow path finds
// and never invent one; the reader's own item updated in place is what
// tells it was taken.
#include <gtest/gtest.h>

#include "race/race_context.hpp"
#include "race/race_engine.hpp"
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
using testing::read_word;
using testing::take_races;
using testing::worker;

std::uint64_t current_epoch() {
  return tls_context->epoch;
}

class ReadShared : public ::testing::Test {
 protected:
  void SetUp() override {
    take_races();
    read_sets_sweep();  // orphans of earlier tests, if any
  }
};

// A's second read, in a new epoch while B's read is still concurrent with
// it, replaces A's own item where it stands (the slow path would prune A's
// item, moving B's into its place, and append A's new one).
TEST_F(ReadShared, OwnItemIsUpdatedInPlace) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(8);
  int a_next = 0;
  worker a, b;
  a.run([&] { read(x, 8, kPcA); });
  b.run([&] { read(x, 8, kPcB); });
  const std::uint64_t r = read_word(x);
  ASSERT_TRUE(is_read_shared(r));
  std::uint64_t a_epoch = 0;
  std::uint32_t a_site = 0;
  a.run([&] {
    release(&a_next);  // a new epoch
    read(x, 8, kPcC);
    a_epoch = current_epoch();
    a_site = current_site(kPcC);
  });
  EXPECT_EQ(read_word(x), r);  // the same set, its mask unchanged
  const read_set& set = read_set_at(epoch_clock(r));
  ASSERT_EQ(set.count, 2u);
  EXPECT_EQ(set.at(0).epoch, a_epoch);
  EXPECT_EQ(set.at(0).site, a_site);
  EXPECT_TRUE(take_races().empty());
}

// A reader already in the set that reads the granule again in the same
// epoch (fewer bytes than R's mask) stores nothing: its item keeps the first
// read's site and place, and R stays (the slow path would move the item and
// record this read's site): in_read_set answers it before the other paths.
TEST_F(ReadShared, AReadAgainInTheSameEpochStoresNothing) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(32);
  worker a, b;
  std::uint32_t a_site = 0;
  std::uint64_t a_epoch = 0;
  a.run([&] {
    read(x, 8, kPcA);
    a_site = current_site(kPcA);
    a_epoch = current_epoch();
  });
  b.run([&] { read(x, 8, kPcB); });
  const std::uint64_t r = read_word(x);
  ASSERT_TRUE(is_read_shared(r));
  const read_set& set = read_set_at(epoch_clock(r));
  ASSERT_EQ(set.count, 2u);
  ASSERT_EQ(set.at(0).epoch, a_epoch);
  a.run([&] {
    ASSERT_EQ(current_epoch(), a_epoch);
    read(x + 2, 4, kPcC);
  });
  EXPECT_EQ(read_word(x), r);
  ASSERT_EQ(set.count, 2u);
  EXPECT_EQ(set.at(0).epoch, a_epoch);
  EXPECT_EQ(set.at(0).site, a_site);
  EXPECT_TRUE(take_races().empty());
}

// A write ordered after both readers' first reads but not after A's second
// one races with that second read, named with its site.
TEST_F(ReadShared, WriteRacesWithTheUpdatedRead) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(16);
  int after_a = 0;
  int after_b = 0;
  worker a, b, writer;
  a.run([&] {
    read(x, 8, kPcA);
    release(&after_a);
  });
  b.run([&] {
    read(x, 8, kPcB);
    release(&after_b);
  });
  std::uint32_t a_site = 0;
  a.run([&] {
    read(x, 8, kPcC);
    a_site = current_site(kPcC);
  });
  writer.run([&] {
    acquire(&after_a);
    acquire(&after_b);
    write(x, 8, kPcA);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_FALSE(races[0].earlier.is_write);
  EXPECT_EQ(races[0].earlier.thread_id, a.id());
  EXPECT_EQ(races[0].earlier.site, a_site);
  EXPECT_EQ(races[0].current.thread_id, writer.id());
}

// A read ordered after every reader in the set shrinks R to its own epoch
// and frees the set at once (the slow path's work: a lock-free shrink left
// the set to the pool's sweep, and read_mostly's peak RSS grew by 5 MiB).
// The shrunk R still races with a concurrent write.
TEST_F(ReadShared, ReadAfterEveryReaderShrinksTheSetAndFreesIt) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(24);
  int after_a = 0;
  int after_b = 0;
  worker a, b, c, writer;
  const std::uint64_t before = get_engine_stats().read_sets;
  a.run([&] {
    read(x, 8, kPcA);
    release(&after_a);
  });
  b.run([&] {
    read(x, 8, kPcB);
    release(&after_b);
  });
  ASSERT_TRUE(is_read_shared(read_word(x)));
  EXPECT_EQ(get_engine_stats().read_sets, before + 1);
  std::uint64_t c_epoch = 0;
  c.run([&] {
    acquire(&after_a);
    acquire(&after_b);
    read(x, 8, kPcC);
    c_epoch = current_epoch();
  });
  EXPECT_EQ(read_word(x), c_epoch | kMaskBits);
  EXPECT_EQ(get_engine_stats().read_sets, before);
  EXPECT_EQ(read_sets_sweep(), 0u);
  writer.run([&] { write(x, 8, kPcA); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, c.id());
  EXPECT_FALSE(races[0].earlier.is_write);
}

// Each reader's inline item is a cache line of its own, apart from the
// header that the read-shared path reads: a reader's update writes a line no
// other reader writes (issue 12: with the four items in one line, that line
// moved between the readers' cores at every lookup of read_mostly).
TEST_F(ReadShared, EachInlineItemIsACacheLineOfItsOwn) {
  buffer memory(64);
  const std::uint64_t index = read_set_allocate(memory.address(8));
  ASSERT_NE(index, 0u);
  const read_set& set = read_set_at(index);
  const auto line_of = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p) / 64; };
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_NE(line_of(&set.lines[i]), line_of(&set.count)) << i;
    EXPECT_NE(line_of(&set.lines[i]), line_of(&set.slots[3])) << i;
    EXPECT_EQ(line_of(&set.lines[i].epoch), line_of(&set.lines[i].site)) << i;
    for (std::uint32_t j = 0; j < i; ++j) EXPECT_NE(line_of(&set.lines[i]), line_of(&set.lines[j])) << i << j;
  }
  read_set_detach(index);
  read_set_free(index);
}

// Once a reader has seen another reader's item concurrent with it, its next
// updates do not read the other readers' lines while its clock entry for
// that reader stays (the witness in its own line): here B's item, made to
// look ordered before A's read, is not looked at, and A's item is updated
// in place where a look would have sent the read to the slow path (which
// prunes B and shrinks R to A's epoch).
TEST_F(ReadShared, AnUpdateWithAWitnessReadsNoOtherReadersLine) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(40);
  int a_next = 0;
  worker a, b;
  std::uint32_t b_slot = 0;
  a.run([&] { read(x, 8, kPcA); });
  b.run([&] {
    read(x, 8, kPcB);
    b_slot = tls_context->slot;
  });
  const std::uint64_t r = read_word(x);
  ASSERT_TRUE(is_read_shared(r));
  read_set& set = read_set_at(epoch_clock(r));
  ASSERT_EQ(set.count, 2u);
  ASSERT_EQ(epoch_slot(set.at(1).epoch), b_slot);
  a.run([&] {
    release(&a_next);
    read(x, 8, kPcC);  // B's item seen concurrent: the witness
  });
  ASSERT_EQ(read_word(x), r);
  EXPECT_EQ(epoch_slot(__atomic_load_n(&set.lines[0].witness, __ATOMIC_RELAXED)), b_slot);
  // B's item as if B had read at its clock 0: ordered before any read.
  __atomic_store_n(&set.lines[1].epoch, make_epoch(b_slot, 0) | (set.inline_word(1) & kMaskBits),
                   __ATOMIC_RELAXED);
  std::uint64_t a_epoch = 0;
  a.run([&] {
    release(&a_next);
    read(x, 8, kPcA);
    a_epoch = current_epoch();
  });
  EXPECT_EQ(read_word(x), r);
  ASSERT_EQ(set.count, 2u);
  EXPECT_EQ(set.at(0).epoch, a_epoch);
  EXPECT_TRUE(take_races().empty());
}

// A reader finds its own item where it last updated it (its memo), without
// the set's header: here the header's slot hint for A's item is made wrong,
// and A's read still updates its item in place (by the header alone it
// would take the slow path, which moves B's item into A's place).
TEST_F(ReadShared, AReaderFindsItsItemWhereItLastUpdatedIt) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(56);
  int a_next = 0;
  worker a, b;
  a.run([&] { read(x, 8, kPcA); });
  b.run([&] { read(x, 8, kPcB); });
  const std::uint64_t r = read_word(x);
  ASSERT_TRUE(is_read_shared(r));
  read_set& set = read_set_at(epoch_clock(r));
  a.run([&] {
    release(&a_next);
    read(x, 8, kPcC);  // found by the header, remembered
  });
  ASSERT_EQ(read_word(x), r);
  const std::uint16_t a_slot = set.slots[0];
  __atomic_store_n(&set.slots[0], static_cast<std::uint16_t>(a_slot + 100), __ATOMIC_RELAXED);
  std::uint64_t a_epoch = 0;
  a.run([&] {
    release(&a_next);
    read(x, 8, kPcA);
    a_epoch = current_epoch();
  });
  __atomic_store_n(&set.slots[0], a_slot, __ATOMIC_RELAXED);
  EXPECT_EQ(read_word(x), r);
  ASSERT_EQ(set.count, 2u);
  EXPECT_EQ(set.at(0).epoch, a_epoch);
  EXPECT_TRUE(take_races().empty());
}

// The witness goes stale when the reader's clock entry for the witnessed
// reader changes: after A acquires B's release, A's read is ordered after
// B's, and the slow path shrinks R to A's epoch and frees the set, as it
// did when every update looked at the other readers.
TEST_F(ReadShared, AWitnessGoesStaleWhenTheReaderAcquiresFromIt) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(48);
  int a_next = 0;
  int after_b = 0;
  worker a, b;
  const std::uint64_t before = get_engine_stats().read_sets;
  a.run([&] { read(x, 8, kPcA); });
  b.run([&] {
    read(x, 8, kPcB);
    release(&after_b);
  });
  ASSERT_TRUE(is_read_shared(read_word(x)));
  a.run([&] {
    release(&a_next);
    read(x, 8, kPcC);
  });
  ASSERT_TRUE(is_read_shared(read_word(x)));
  std::uint64_t a_epoch = 0;
  a.run([&] {
    acquire(&after_b);
    release(&a_next);  // a new epoch (an acquire alone keeps it)
    read(x, 8, kPcA);
    a_epoch = current_epoch();
  });
  EXPECT_EQ(read_word(x), a_epoch | kMaskBits);
  EXPECT_EQ(get_engine_stats().read_sets, before);
  EXPECT_TRUE(take_races().empty());
}

// Each use of a pool entry has its own tag in its items' epoch words, so a
// compare-and-swap expecting an item of an earlier use fails.
TEST_F(ReadShared, ItemsOfAReusedEntryCarryAnotherTag) {
  buffer memory(64);
  const std::uintptr_t granule = memory.address(32);
  const std::uint64_t epoch = make_epoch(3, 42);
  const std::uint64_t first = read_set_allocate(granule);
  ASSERT_NE(first, 0u);
  ASSERT_TRUE(read_set_at(first).push({epoch, 7}));
  const std::uint64_t first_word = read_set_at(first).inline_word(0);
  read_set_detach(first);
  read_set_free(first);
  const std::uint64_t second = read_set_allocate(granule);
  ASSERT_EQ(second, first);  // the free list hands the entry out again
  ASSERT_TRUE(read_set_at(second).push({epoch, 7}));
  EXPECT_NE(read_set_at(second).inline_word(0), first_word);
  EXPECT_EQ(read_set_at(second).at(0).epoch, epoch);
  read_set_detach(second);
  read_set_free(second);
}

// A reader whose item a slow path moved (here C's, moved twice when D's read
// prunes A's and B's, ordered before it) no longer finds it where its memo
// says: that line, past the count, is emptied, so C's next read looks the
// item up by the header and updates it where it now stands. When the line
// kept C's old word, C's reads went on into it, past the count, and were
// lost: a write ordered after C's earlier read but not after this one
// raced unreported.
TEST_F(ReadShared, AReaderWhoseItemMovedFindsItWhereItStands) {
  buffer memory(64);
  const std::uintptr_t x = memory.address(40);
  int after_a = 0;
  int after_b = 0;
  int after_c = 0;
  int after_d = 0;
  worker a, b, c, d, writer;
  a.run([&] {
    read(x, 8, kPcA);
    release(&after_a);
  });
  b.run([&] {
    read(x, 8, kPcB);
    release(&after_b);
  });
  c.run([&] {
    read(x, 8, kPcC);  // joins the set: A, B, C
    release(&after_c);
    read(x, 8, kPcC);  // its own item updated in place, found by the header, remembered
  });
  const std::uint64_t r = read_word(x);
  ASSERT_TRUE(is_read_shared(r));
  read_set& set = read_set_at(epoch_clock(r));
  ASSERT_EQ(set.count, 3u);
  d.run([&] {
    acquire(&after_a);
    acquire(&after_b);
    read(x, 8, kPcA);  // prunes A and B: C's item moves from 2 to 0
    release(&after_d);
  });
  ASSERT_EQ(read_word(x), r);
  ASSERT_EQ(set.count, 2u);
  EXPECT_EQ(set.inline_word(2), 0u);
  std::uint64_t c_epoch = 0;
  c.run([&] {
    release(&after_c);  // C's next epoch: the writer below is ordered after C's reads until now
    read(x, 8, kPcB);
    c_epoch = current_epoch();
  });
  ASSERT_EQ(read_word(x), r);
  ASSERT_EQ(set.count, 2u);
  EXPECT_EQ(set.at(0).epoch, c_epoch);
  writer.run([&] {
    acquire(&after_c);
    acquire(&after_d);
    write(x, 8, kPcC);
  });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, c.id());
  EXPECT_FALSE(races[0].earlier.is_write);
}

}  // namespace
}  // namespace concheck::race
