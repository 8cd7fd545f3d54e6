// Thread hand-offs (create/start, exit/join) order accesses, and thread
// slots are reused so memory stays bounded over thousands of threads.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <optional>
#include <thread>

#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race_test_support.hpp"
#include "thread_registry.hpp"

namespace concheck::race {
namespace {

using testing::buffer;
using testing::kPcA;
using testing::kPcB;
using testing::take_races;
using testing::worker;

std::uint64_t my_id() {
  return detail::current_thread()->state.id();
}

class Threads : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

// The child starts with the creator's clock and the joiner ends with the
// child's: creator -> child -> joiner accesses are ordered.
TEST_F(Threads, CreateAndJoinHandOff) {
  buffer memory(64);
  const std::uint64_t final_clocks = get_engine_stats().final_clocks;
  worker parent;
  parent.run([&] {
    write(memory.address(), 8, kPcA);
    thread_token token = thread_create();
    std::atomic<std::uint64_t> child_id{0};
    std::thread child([&] {
      thread_start(token, my_id());
      child_id = my_id();
      write(memory.address(), 8, kPcB);
      thread_exit();
    });
    child.join();
    thread_join(child_id);
    read(memory.address(), 8, kPcA);
  });
  EXPECT_TRUE(take_races().empty());
  EXPECT_EQ(get_engine_stats().final_clocks, final_clocks);  // the join took it
}

TEST_F(Threads, AChildStartedWithoutTheCreatorsTokenIsUnordered) {
  buffer memory(64);
  worker parent;
  parent.run([&] {
    write(memory.address(), 8, kPcA);
    // Created as concheck's own threads are (inside_scope), so the runtime's
    // pthread_create does not hand the creator's clock over on its own.
    std::optional<std::thread> child;
    {
      detail::inside_scope inside;
      child.emplace([&] {
        thread_start(nullptr, my_id());
        write(memory.address(), 8, kPcB);
        thread_exit();
      });
    }
    child->join();
  });
  EXPECT_EQ(take_races().size(), 1u);
}

// The ended thread's accesses race with the waiter's until it joins.
TEST_F(Threads, OnlyTheJoinOrdersAnEndedThreadsAccesses) {
  buffer memory(64);
  worker waiter;
  // The waiter holds its slot before the child starts: a thread that took
  // the ended child's slot would look ordered after it (thread_slots.hpp).
  waiter.run([&] { acquire(&memory); });
  std::latch ended(1);
  std::atomic<std::uint64_t> child_id{0};
  std::thread child([&] {
    thread_start(nullptr, my_id());
    child_id = my_id();
    write(memory.address(0), 8, kPcA);
    write(memory.address(8), 8, kPcA);
    thread_exit();
    ended.count_down();
  });
  ended.wait();
  waiter.run([&] { write(memory.address(0), 8, kPcB); });  // not joined yet: a race
  EXPECT_EQ(take_races().size(), 1u);
  waiter.run([&] {
    thread_join(child_id);
    write(memory.address(8), 8, kPcB);
  });
  EXPECT_TRUE(take_races().empty());
  child.join();
}

TEST_F(Threads, SlotsAreReusedAcrossThousandsOfSequentialThreads) {
  buffer memory(64);
  worker parent;
  parent.run([&] { acquire(&memory); });  // the parent's context exists
  const engine_stats before = get_engine_stats();
  parent.run([&] {
    for (int i = 0; i < 3000; ++i) {
      thread_token token = thread_create();
      std::atomic<std::uint64_t> child_id{0};
      std::thread child([&] {
        thread_start(token, my_id());
        child_id = my_id();
        write(memory.address(), 8, kPcB);  // each child after the previous one: no race
        thread_exit();
      });
      child.join();
      thread_join(child_id);
    }
  });
  EXPECT_TRUE(take_races().empty());
  const engine_stats after = get_engine_stats();
  EXPECT_LE(after.slot_high_water, before.slot_high_water + 1);
  EXPECT_EQ(after.live_slots, before.live_slots);
  EXPECT_EQ(after.contexts, before.contexts);
  EXPECT_EQ(after.final_clocks, before.final_clocks);
  EXPECT_LE(after.vector_clock_bytes, before.vector_clock_bytes + 1024);
}

// Two threads of one creator that never overlap in time (the first ended
// before the second started) but are not ordered: nobody joined the first.
// The second must not take over the first's slot, or its write would look
// ordered after the first's (a missed race).
TEST_F(Threads, AThreadStartedAfterAnUnjoinedOneEndedStillRacesWithIt) {
  buffer memory(64);
  worker parent;
  parent.run([&] {
    thread_token first_token = thread_create();
    thread_token second_token = thread_create();
    // Threads made and joined as concheck's own are (inside_scope): the
    // runtime's pthread_create and pthread_join add no hand-off of their own.
    detail::inside_scope inside;
    std::thread first([&] {
      thread_start(first_token, my_id());
      write(memory.address(), 8, kPcA);
      thread_exit();
    });
    first.join();  // the OS thread is gone; the engine saw no thread_join
    std::thread second([&] {
      thread_start(second_token, my_id());
      write(memory.address(), 8, kPcB);
      thread_exit();
    });
    second.join();
  });
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(Threads, AReusedSlotStillRacesWithOtherThreads) {
  buffer memory(64);
  worker observer;
  observer.run([&] { write(memory.address(), 8, kPcA); });
  for (int i = 0; i < 3; ++i) {
    std::thread child([&] {
      thread_start(nullptr, my_id());
      write(memory.address(), 8, kPcB);
      thread_exit();
    });
    child.join();
    EXPECT_EQ(take_races().size(), i == 0 ? 1u : 0u);  // one report per granule
  }
  // A fresh granule: the reused slots' threads are still unordered with the observer.
  std::thread child([&] {
    thread_start(nullptr, my_id());
    write(memory.address(8), 8, kPcB);
    thread_exit();
  });
  child.join();
  observer.run([&] { write(memory.address(8), 8, kPcA); });
  EXPECT_EQ(take_races().size(), 1u);
}

TEST_F(Threads, DetachedThreadsKeepNoFinalClock) {
  const std::uint64_t before = get_engine_stats().final_clocks;
  std::atomic<std::uint64_t> ended_id{0};
  std::thread ended([&] {
    thread_start(nullptr, my_id());
    ended_id = my_id();
    thread_exit();
  });
  ended.join();
  EXPECT_EQ(get_engine_stats().final_clocks, before + 1);
  thread_detached(ended_id);  // detached after it ended
  EXPECT_EQ(get_engine_stats().final_clocks, before);
  std::latch detached(1);
  std::thread later([&] {
    thread_start(nullptr, my_id());
    thread_detached(my_id());  // detached while running
    thread_exit();
    detached.count_down();
  });
  detached.wait();
  later.join();
  EXPECT_EQ(get_engine_stats().final_clocks, before);
}

}  // namespace
}  // namespace concheck::race
