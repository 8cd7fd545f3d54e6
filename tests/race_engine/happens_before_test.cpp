// Synchronization orders accesses: release/acquire on sync objects, locks,
// merging releases, atomics by memory order and fences.
#include <gtest/gtest.h>

#include <atomic>

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

class HappensBefore : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
  void TearDown() override {
    forget_sync_range(reinterpret_cast<std::uintptr_t>(sync_), sizeof(sync_));
    reset_range(reinterpret_cast<std::uintptr_t>(sync_), sizeof(sync_));
  }
  const void* sync(int i) const { return &sync_[i]; }

 private:
  char sync_[4] = {};
};

TEST_F(HappensBefore, ReleaseThenAcquireOrdersTheAccesses) {
  buffer memory(64);
  worker first, second;
  first.run([&] {
    write(memory.address(), 8, kPcA);
    release(sync(0));
  });
  second.run([&] {
    acquire(sync(0));
    write(memory.address(), 8, kPcB);
  });
  EXPECT_TRUE(take_races().empty());
}

TEST_F(HappensBefore, AnAccessAfterTheReleaseIsNotOrdered) {
  buffer memory(64);
  worker first, second;
  first.run([&] {
    release(sync(0));
    write(memory.address(), 8, kPcA);
  });
  second.run([&] {
    acquire(sync(0));
    write(memory.address(), 8, kPcB);
  });
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(HappensBefore, AcquiringAnotherObjectDoesNotOrder) {
  buffer memory(64);
  worker first, second;
  first.run([&] {
    write(memory.address(), 8, kPcA);
    release(sync(0));
  });
  second.run([&] {
    acquire(sync(1));
    write(memory.address(), 8, kPcB);
  });
  EXPECT_EQ(take_races().size(), 1u);
}

// What the integration does for a mutex: acquire at lock, release at unlock,
// and the lock id for the lockset.
TEST_F(HappensBefore, LockStyleCriticalSectionsAreOrdered) {
  buffer memory(64);
  worker first, second;
  auto critical_section = [&](std::uintptr_t pc) {
    acquire(sync(0));
    lock_acquired(7);
    write(memory.address(), 8, pc);
    read(memory.address(), 8, pc);
    lock_released(7);
    release(sync(0));
  };
  for (int round = 0; round < 3; ++round) {
    first.run([&] { critical_section(kPcA); });
    second.run([&] { critical_section(kPcB); });
  }
  EXPECT_TRUE(take_races().empty());
}

TEST_F(HappensBefore, ReleaseMergeKeepsEveryPostersClock) {
  buffer memory(64);
  worker first, second, waiter;
  first.run([&] {
    write(memory.address(0), 8, kPcA);
    release_merge(sync(0));  // sem_post
  });
  second.run([&] {
    write(memory.address(8), 8, kPcA);
    release_merge(sync(0));
  });
  waiter.run([&] {
    acquire(sync(0));  // sem_wait
    write(memory.address(0), 16, kPcB);
  });
  EXPECT_TRUE(take_races().empty());
}

TEST_F(HappensBefore, ReleaseReplacesTheObjectsClock) {
  buffer memory(64);
  worker first, second, waiter;
  first.run([&] {
    write(memory.address(0), 8, kPcA);
    release(sync(0));
  });
  second.run([&] { release(sync(0)); });  // never acquired: the first's clock is gone
  waiter.run([&] {
    acquire(sync(0));
    write(memory.address(0), 8, kPcB);
  });
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(HappensBefore, ForgottenSyncObjectsOrderNothing) {
  buffer memory(64);
  worker first, second;
  first.run([&] {
    write(memory.address(), 8, kPcA);
    release(sync(0));
  });
  forget_sync(sync(0));
  second.run([&] {
    acquire(sync(0));
    write(memory.address(), 8, kPcB);
  });
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(HappensBefore, ForgetSyncRangeDropsTheRangesClocksOnly) {
  worker only;
  const std::uint64_t before = get_engine_stats().sync_clocks;
  only.run([&] {
    release(sync(0));
    release(sync(1));
    release(sync(3));
  });
  EXPECT_EQ(get_engine_stats().sync_clocks, before + 3);
  forget_sync_range(reinterpret_cast<std::uintptr_t>(sync(1)), 2);
  EXPECT_EQ(get_engine_stats().sync_clocks, before + 2);
  forget_sync_range(reinterpret_cast<std::uintptr_t>(sync(0)), 4);
  EXPECT_EQ(get_engine_stats().sync_clocks, before);
}

// A message passed through an atomic flag with release/acquire orders.
void flag_handoff(worker& producer, worker& consumer, std::uintptr_t data, const void* flag,
                  std::memory_order store_order, std::memory_order load_order) {
  const auto flag_address = reinterpret_cast<std::uintptr_t>(flag);
  producer.run([&] {
    write(data, 8, kPcA);
    atomic_store_sync(flag, store_order);
    atomic_access(flag_address, 1, true, kPcA);
  });
  consumer.run([&] {
    atomic_access(flag_address, 1, false, kPcB);
    atomic_load_sync(flag, load_order);
    read(data, 8, kPcB);
  });
}

TEST_F(HappensBefore, ReleaseStoreAcquireLoadOrders) {
  buffer memory(64);
  worker producer, consumer;
  flag_handoff(producer, consumer, memory.address(), sync(0), std::memory_order_release,
               std::memory_order_acquire);
  EXPECT_TRUE(take_races().empty());
}

TEST_F(HappensBefore, RelaxedAtomicsDoNotOrder) {
  buffer memory(64);
  worker producer, consumer;
  flag_handoff(producer, consumer, memory.address(), sync(0), std::memory_order_release,
               std::memory_order_relaxed);
  EXPECT_EQ(take_races().size(), 1u);
  buffer other(64);
  worker producer2, consumer2;
  flag_handoff(producer2, consumer2, other.address(), sync(1), std::memory_order_relaxed,
               std::memory_order_acquire);
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(HappensBefore, RelaxedRmwContinuesTheReleaseSequence) {
  buffer memory(64);
  worker producer, middle, consumer;
  producer.run([&] {
    write(memory.address(), 8, kPcA);
    atomic_store_sync(sync(0), std::memory_order_release);
  });
  middle.run([&] { atomic_rmw_sync(sync(0), std::memory_order_relaxed); });  // fetch_add, relaxed
  consumer.run([&] {
    atomic_load_sync(sync(0), std::memory_order_acquire);
    read(memory.address(), 8, kPcB);
  });
  EXPECT_TRUE(take_races().empty());
}

TEST_F(HappensBefore, FencesMakeRelaxedAtomicsSynchronize) {
  buffer memory(64);
  worker producer, consumer;
  producer.run([&] {
    write(memory.address(), 8, kPcA);
    fence(std::memory_order_release);
    atomic_store_sync(sync(0), std::memory_order_relaxed);
  });
  consumer.run([&] {
    atomic_load_sync(sync(0), std::memory_order_relaxed);
    fence(std::memory_order_acquire);
    read(memory.address(), 8, kPcB);
  });
  EXPECT_TRUE(take_races().empty());
}

TEST_F(HappensBefore, AReleaseFenceWithoutTheAcquireFenceDoesNotOrder) {
  buffer memory(64);
  worker producer, consumer;
  producer.run([&] {
    write(memory.address(), 8, kPcA);
    fence(std::memory_order_release);
    atomic_store_sync(sync(0), std::memory_order_relaxed);
  });
  consumer.run([&] {
    atomic_load_sync(sync(0), std::memory_order_relaxed);
    read(memory.address(), 8, kPcB);
  });
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(HappensBefore, AnAcquireFenceWithoutTheReleaseFenceDoesNotOrder) {
  buffer memory(64);
  worker producer, consumer;
  producer.run([&] {
    write(memory.address(), 8, kPcA);
    atomic_store_sync(sync(0), std::memory_order_relaxed);
  });
  consumer.run([&] {
    atomic_load_sync(sync(0), std::memory_order_relaxed);
    fence(std::memory_order_acquire);
    read(memory.address(), 8, kPcB);
  });
  EXPECT_EQ(take_races().size(), 1u);
}

}  // namespace
}  // namespace concheck::race
