// The read-set pool's sweep (runtime/src/race/read_sets.hpp): the engine's
// lock-free read path stores R with a plain store, which can overwrite the
// index of a read set a slow path stored into R a moment before. Such an
// orphan must be freed by the sweep (memory stays bounded), and nothing else
// may be: not a set R still names (its races must still be found), not a
// set whose owner has detached it and is about to free it (a double free),
// not one whose stripe is held (it may be being built).
//
// The lost update is forced by storing R directly, as the plain store does
// when it lands just after the slow path's.
#include <gtest/gtest.h>

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
using testing::take_races;
using testing::worker;

std::uint64_t sets_in_use() {
  return get_engine_stats().read_sets;
}

// Two unordered readers of the granule at `address`: R becomes a read set.
void make_read_set(worker& first, worker& second, std::uintptr_t address) {
  first.run([&] { read(address, 8, kPcA); });
  second.run([&] { read(address, 8, kPcB); });
}

// What the lock-free read path's plain store does when it lands just after a
// slow path made R a read set: R names a single read again.
void overwrite_read_record(std::uintptr_t address) {
  shadow_cell* cell = shadow_cell_for(address);
  ASSERT_NE(cell, nullptr);
  ASSERT_TRUE(is_read_shared(cell->read.load()));
  cell->read.store(make_epoch(1, 1) | kMaskBits);
}

class ReadSetSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    take_races();
    read_sets_sweep();  // orphans of earlier tests, if any
  }
};

TEST_F(ReadSetSweep, FreesAnOrphanAndKeepsTheSetsStillNamed) {
  buffer memory(64);
  const std::uintptr_t orphaned = memory.address(0);
  const std::uintptr_t named = memory.address(8);
  const std::uint64_t before = sets_in_use();
  worker first, second, writer;
  make_read_set(first, second, orphaned);
  make_read_set(first, second, named);
  ASSERT_EQ(sets_in_use(), before + 2);
  overwrite_read_record(orphaned);
  EXPECT_EQ(read_sets_sweep(), 1u);
  EXPECT_EQ(sets_in_use(), before + 1);
  EXPECT_EQ(read_sets_sweep(), 0u);  // the named set stays
  // Its readers are still there: an unordered write races with them.
  writer.run([&] { write(named, 8, kPcA); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].address, named);
  EXPECT_FALSE(races[0].earlier.is_write);
  EXPECT_EQ(sets_in_use(), before);  // the write covered the readers and returned the set
}

// Five unordered readers: the fifth item lives in the set's heap array, which
// the sweep frees with the set (the ASan build's leak check sees it).
TEST_F(ReadSetSweep, FreesAnOrphansHeapArrayToo) {
  buffer memory(64);
  const std::uintptr_t granule = memory.address(0);
  const std::uint64_t before = sets_in_use();
  worker readers[5];
  for (worker& reader : readers) reader.run([&] { read(granule, 8, kPcA); });
  ASSERT_EQ(sets_in_use(), before + 1);
  ASSERT_EQ(read_set_at(epoch_clock(shadow_cell_for(granule)->read.load())).count, 5u);
  overwrite_read_record(granule);
  EXPECT_EQ(read_sets_sweep(), 1u);
  EXPECT_EQ(sets_in_use(), before);
  EXPECT_TRUE(take_races().empty());
}

TEST_F(ReadSetSweep, LeavesADetachedSetToTheOwnerThatFreesIt) {
  buffer memory(64);
  const std::uintptr_t granule = memory.address(0);
  const std::uint64_t before = sets_in_use();
  std::uint64_t index = 0;
  {
    spin_guard guard(stripe_lock_for(granule));
    index = read_set_allocate(granule);
    ASSERT_NE(index, 0u);
    // R never names it, and it is detached: freeing it is its owner's job.
    read_set_detach(index);
  }
  EXPECT_EQ(read_sets_sweep(), 0u);
  EXPECT_EQ(sets_in_use(), before + 1);
  read_set_free(index);
  EXPECT_EQ(sets_in_use(), before);
}

TEST_F(ReadSetSweep, SkipsASetWhoseStripeIsHeld) {
  buffer memory(64);
  const std::uintptr_t granule = memory.address(0);
  const std::uint64_t before = sets_in_use();
  worker first, second;
  make_read_set(first, second, granule);
  overwrite_read_record(granule);
  {
    spin_guard guard(stripe_lock_for(granule));  // as a slow path building a set would
    EXPECT_EQ(read_sets_sweep(), 0u);
  }
  EXPECT_EQ(read_sets_sweep(), 1u);
  EXPECT_EQ(sets_in_use(), before);
}

// The pool sweeps itself before it grows: orphans do not pile up even if
// nobody calls read_sets_sweep.
TEST_F(ReadSetSweep, ThePoolSweepsBeforeGrowing) {
  buffer memory(64);
  const std::uintptr_t granule = memory.address(0);
  worker first, second;
  make_read_set(first, second, granule);
  overwrite_read_record(granule);
  const std::uint64_t with_orphan = sets_in_use();
  // Sets named by granules of a large buffer, as slow paths make them: enough
  // allocations that the pool must grow, so it sweeps first.
  // (Granules that share the orphan's stripe are left out: the sweep skips
  // the stripe this loop holds.)
  constexpr std::size_t kGranules = std::size_t{3} << 12;
  buffer many(kGranules * kGranule);
  std::size_t sets = 0;
  for (std::size_t i = 0; i < kGranules; ++i) {
    const std::uintptr_t at = many.address(i * kGranule);
    if (&stripe_lock_for(at) == &stripe_lock_for(granule)) continue;
    ++sets;
    spin_guard guard(stripe_lock_for(at));
    const std::uint64_t index = read_set_allocate(at);
    ASSERT_NE(index, 0u);
    read_set_at(index).push({make_epoch(1, 1), 0});
    read_set_at(index).push({make_epoch(2, 1), 0});
    shadow_cell_for(at)->read.store(make_epoch(kSharedSlot, index) | kMaskBits);
  }
  EXPECT_EQ(sets_in_use(), with_orphan + sets - 1);   // the orphan was freed on the way
  reset_range(many.address(), kGranules * kGranule);  // returns the named ones
  EXPECT_EQ(sets_in_use(), with_orphan - 1);
}

}  // namespace
}  // namespace concheck::race
