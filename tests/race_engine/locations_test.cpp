// Per-location records (for_each_location), interned locksets, reset_range
// and the shadow call stack's sites.
#include <gtest/gtest.h>

#include <vector>

#include "race/lockset_table.hpp"
#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race_test_support.hpp"
#include "stack_depot.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::kPcA;
using testing::kPcB;
using testing::kPcC;
using testing::locations;
using testing::locks_of;
using testing::take_races;
using testing::worker;

class Locations : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

TEST_F(Locations, EachGranuleIsClassifiedByHowItWasShared) {
  buffer memory(64);
  const std::uintptr_t alone = memory.address(0);
  const std::uintptr_t locked = memory.address(8);
  const std::uintptr_t handed_off = memory.address(16);
  const std::uintptr_t racy = memory.address(24);
  const std::uintptr_t atomic = memory.address(32);
  char mutex = 0;
  char handoff = 0;
  worker first, second;
  first.run([&] {
    write(alone, 8, kPcA);
    read(alone, 4, kPcA);
    acquire(&mutex);
    lock_acquired(11);
    lock_acquired(12);
    write(locked, 8, kPcA);
    lock_released(12);
    lock_released(11);
    release(&mutex);
    write(handed_off, 8, kPcA);
    release(&handoff);
    write(racy, 8, kPcA);
    atomic_access(atomic, 8, true, kPcA);
  });
  second.run([&] {
    acquire(&mutex);
    lock_acquired(11);
    read(locked, 8, kPcB);
    lock_released(11);
    release(&mutex);
    acquire(&handoff);
    write(handed_off, 8, kPcB);
    write(racy, 8, kPcB);
    atomic_access(atomic, 8, false, kPcB);
  });
  EXPECT_EQ(take_races().size(), 1u);
  const auto found = locations(memory.address(), memory.address(64));
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].first, alone);
  EXPECT_EQ(found[0].second.state, sharing::one_thread);
  EXPECT_EQ(found[0].second.owner, first.id());
  EXPECT_FALSE(found[0].second.atomic);
  EXPECT_EQ(found[1].first, locked);
  EXPECT_EQ(found[1].second.state, sharing::locked);
  EXPECT_EQ(locks_of(found[1].second.lockset), std::vector<std::uint64_t>{11});  // {11,12} then {11}
  EXPECT_EQ(found[2].first, handed_off);
  EXPECT_EQ(found[2].second.state, sharing::synchronized);
  EXPECT_EQ(found[3].first, racy);
  EXPECT_EQ(found[3].second.state, sharing::racy);
  EXPECT_EQ(found[4].first, atomic);
  EXPECT_EQ(found[4].second.state, sharing::synchronized);
  EXPECT_TRUE(found[4].second.atomic);
  forget_sync(&mutex);
  forget_sync(&handoff);
}

// An access holding no lock but ordered after the others (main reading the
// result after joining the workers) needed no lock: the location stays
// locked. An access under another lock shrinks the candidate set to nothing.
TEST_F(Locations, AnOrderedAccessWithoutLocksKeepsTheLockAnotherLockDropsIt) {
  buffer memory(64);
  char mutex = 0;
  worker first, second;
  first.run([&] {
    acquire(&mutex);
    lock_acquired(21);
    write(memory.address(), 8, kPcA);
    lock_released(21);
    release(&mutex);
  });
  second.run([&] {
    acquire(&mutex);
    lock_acquired(21);
    write(memory.address(), 8, kPcB);
    lock_released(21);
    release(&mutex);
  });
  auto found = locations(memory.address(), memory.address(8));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second.state, sharing::locked);
  first.run([&] {
    acquire(&mutex);  // ordered, holding no lock
    read(memory.address(), 8, kPcA);
    release(&mutex);
  });
  found = locations(memory.address(), memory.address(8));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second.state, sharing::locked);
  second.run([&] {
    acquire(&mutex);
    lock_acquired(22);  // ordered, but under a different lock
    write(memory.address(), 8, kPcB);
    lock_released(22);
    release(&mutex);
  });
  found = locations(memory.address(), memory.address(8));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second.state, sharing::synchronized);
  EXPECT_TRUE(take_races().empty());
  forget_sync(&mutex);
}

TEST_F(Locations, LocksetIntersection) {
  const std::uint64_t a[] = {3, 1, 2};
  const std::uint64_t b[] = {4, 2, 3};
  const std::uint64_t c[] = {9};
  const std::uint32_t set_a = intern_lockset(a, 3);
  const std::uint32_t set_b = intern_lockset(b, 3);
  const std::uint32_t set_c = intern_lockset(c, 1);
  EXPECT_NE(set_a, 0u);
  EXPECT_EQ(intern_lockset(a, 3), set_a);  // interned once
  EXPECT_EQ(locks_of(set_a), (std::vector<std::uint64_t>{1, 2, 3}));
  const std::uint32_t common = lockset_intersection(set_a, set_b);
  EXPECT_EQ(locks_of(common), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(lockset_intersection(set_b, set_a), common);
  EXPECT_EQ(lockset_intersection(set_a, set_a), set_a);
  EXPECT_EQ(lockset_intersection(set_a, 0), 0u);
  EXPECT_EQ(lockset_intersection(set_a, set_c), 0u);
  EXPECT_TRUE(locks_of(0).empty());
  // One lock needs no table, whatever the path that makes it.
  const std::uint32_t tables_before = locksets_interned();
  const std::uint64_t two[] = {2, 2};
  const std::uint64_t d[] = {2, 7};
  const std::uint32_t single = intern_lockset(two, 2);
  EXPECT_EQ(locksets_interned(), tables_before);
  EXPECT_EQ(locks_of(single), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(lockset_intersection(set_a, intern_lockset(d, 2)), single);  // {1,2,3} and {2,7}
  EXPECT_EQ(lockset_intersection(single, set_a), single);
  EXPECT_EQ(lockset_intersection(set_b, single), single);
  EXPECT_EQ(lockset_intersection(single, set_c), 0u);
  EXPECT_EQ(lockset_intersection(single, single), single);
  // An id too large for the one-lock form goes to the table.
  const std::uint64_t large[] = {std::uint64_t{1} << 40};
  EXPECT_EQ(locks_of(intern_lockset(large, 1)), (std::vector<std::uint64_t>{std::uint64_t{1} << 40}));
}

TEST_F(Locations, ResetMemoryStartsClean) {
  buffer memory(256);
  worker first, second;
  first.run([&] {
    write(memory.address(0), 8, kPcA);
    read(memory.address(64), 64, kPcA);
  });
  second.run([&] { read(memory.address(64), 8, kPcA); });  // a read set
  const std::uint64_t read_sets = get_engine_stats().read_sets;
  reset_range(memory.address(), 256);  // as if freed and allocated again
  EXPECT_EQ(get_engine_stats().read_sets, read_sets - 1);
  EXPECT_TRUE(locations(memory.address(), memory.address(256)).empty());
  second.run([&] { write(memory.address(0), 128, kPcB); });
  EXPECT_TRUE(take_races().empty());
}

TEST_F(Locations, ResetOfWholeShadowChunksStartsClean) {
  constexpr std::size_t kSize = 256 * 1024;
  buffer memory(kSize, 64 * 1024);
  worker first, second;
  first.run([&] { write_range(memory.address(), kSize, kPcA); });
  second.run([&] { read_range(memory.address(4096), 64, kPcB); });
  EXPECT_EQ(take_races().size(), 8u);                       // one per granule
  first.run([&] { read(memory.address(4096), 8, kPcA); });  // a read set in a chunk to discard
  reset_range(memory.address(), kSize);
  EXPECT_TRUE(locations(memory.address(), memory.address(kSize)).empty());
  second.run([&] { write_range(memory.address(), kSize, kPcB); });
  EXPECT_TRUE(take_races().empty());
}

// A large write (race_engine.cpp claims its untouched granules in bulk)
// records every granule for its thread, partial granules at both ends
// included, and a later unordered access of another thread races with it.
TEST_F(Locations, ALargeWriteClaimsEveryGranuleForItsThread) {
  constexpr std::size_t kSize = 64 * 1024;
  buffer memory(kSize, 64 * 1024);
  worker first, second;
  first.run([&] { write_range(memory.address(4), kSize - 8, kPcA); });
  const auto found = locations(memory.address(), memory.address(kSize));
  ASSERT_EQ(found.size(), kSize / 8);
  for (const auto& [granule, state] : found) {
    ASSERT_EQ(state.state, sharing::one_thread) << granule;
    ASSERT_EQ(state.owner, first.id()) << granule;
  }
  EXPECT_EQ(found.front().second.bytes, 0xf0);
  EXPECT_EQ(found[1].second.bytes, 0xff);
  EXPECT_EQ(found.back().second.bytes, 0x0f);
  second.run([&] { read(memory.address(kSize / 2), 8, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, first.id());
  EXPECT_TRUE(races[0].earlier.is_write);
  EXPECT_NE(races[0].earlier.site, 0u);
}

TEST_F(Locations, SitesFollowTheShadowCallStack) {
  worker only;
  only.run([&] {
    const std::uint32_t bare = current_site(kPcA);
    EXPECT_EQ(current_site(kPcA), bare);
    EXPECT_NE(current_site(kPcB), bare);
    func_entry(kPcC);
    const std::uint32_t nested = current_site(kPcA);
    EXPECT_NE(nested, bare);
    EXPECT_EQ(detail::stack_pcs(nested), (std::vector<std::uintptr_t>{kPcA, kPcC}));
    func_entry(kPcB);
    EXPECT_EQ(detail::stack_pcs(current_site(kPcA)), (std::vector<std::uintptr_t>{kPcA, kPcB, kPcC}));
    func_exit();
    EXPECT_EQ(current_site(kPcA), nested);
    func_exit();
    EXPECT_EQ(current_site(kPcA), bare);
    for (int i = 0; i < 100; ++i) func_entry(kPcB);  // deeper than the shadow stack
    EXPECT_EQ(detail::stack_pcs(current_site(kPcA)).size(), 65u);
    for (int i = 0; i < 100; ++i) func_exit();
    EXPECT_EQ(current_site(kPcA), bare);
  });
}

}  // namespace
}  // namespace concheck::race
