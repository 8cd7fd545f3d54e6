// concheck::counting_semaphore/binary_semaphore, latch, barrier and event:
// standard semantics, timeouts, and the misuse they reject.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concheck/concheck.hpp>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(Semaphore, CountsReleasesAndAcquires) {
  concheck::counting_semaphore<4> slots(2, "slots");
  EXPECT_EQ(concheck::counting_semaphore<4>::max(), 4);
  EXPECT_TRUE(slots.try_acquire());
  EXPECT_TRUE(slots.try_acquire());
  EXPECT_FALSE(slots.try_acquire());
  EXPECT_FALSE(slots.try_acquire_for(10ms));
  EXPECT_FALSE(slots.try_acquire_until(std::chrono::system_clock::now() + 5ms));
  slots.release(3);
  EXPECT_TRUE(slots.try_acquire_for(1h));
  slots.acquire();
  slots.acquire();
  EXPECT_FALSE(slots.try_acquire());
}

TEST(Semaphore, RejectsCountsOutsideItsRange) {
  EXPECT_THROW(concheck::counting_semaphore<2>(3), std::system_error);
  EXPECT_THROW(concheck::counting_semaphore<2>(-1), std::system_error);
  concheck::binary_semaphore once(1, "once");
  EXPECT_THROW(once.release(), std::system_error);  // would exceed max()
  EXPECT_TRUE(once.try_acquire());                  // unchanged by the failed release
  EXPECT_THROW(once.release(-1), std::system_error);
}

TEST(Semaphore, BinarySemaphorePingPong) {
  concheck::binary_semaphore ping(0, "ping");
  concheck::binary_semaphore pong(0, "pong");
  int rally = 0;
  concheck::thread partner([&] {
    for (int i = 0; i < 100; ++i) {
      ping.acquire();
      ++rally;
      pong.release();
    }
  });
  for (int i = 0; i < 100; ++i) {
    ping.release();
    pong.acquire();
  }
  partner.join();
  EXPECT_EQ(rally, 100);
}

TEST(Latch, OpensAtZero) {
  concheck::latch gate(3, "gate");
  EXPECT_FALSE(gate.try_wait());
  gate.count_down(2);
  EXPECT_FALSE(gate.try_wait());
  concheck::thread last([&] { gate.count_down(); });
  gate.wait();
  last.join();
  EXPECT_TRUE(gate.try_wait());
  EXPECT_THROW(gate.count_down(), std::system_error);  // below zero
  EXPECT_THROW(concheck::latch(-1), std::system_error);
}

TEST(Latch, ArriveAndWaitReleasesEveryoneTogether) {
  concheck::latch all_here(4, "all_here");
  std::atomic<int> arrived{0};
  std::vector<concheck::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      ++arrived;
      all_here.arrive_and_wait();
      EXPECT_EQ(arrived.load(), 4);  // nobody passes before the last arrival
    });
  }
  ++arrived;
  all_here.arrive_and_wait();
  for (concheck::thread& t : threads) t.join();
}

TEST(Barrier, RunsTheCompletionOncePerPhaseBeforeReleasing) {
  constexpr int kThreads = 3;
  constexpr int kPhases = 5;
  int completions = 0;  // written by the completion, read after each phase
  auto on_phase = [&completions]() noexcept { ++completions; };
  concheck::barrier phase(kThreads, on_phase, "phase");
  std::vector<concheck::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int p = 0; p < kPhases; ++p) {
        phase.arrive_and_wait();
        EXPECT_GE(completions, p + 1);
      }
    });
  }
  for (concheck::thread& t : threads) t.join();
  EXPECT_EQ(completions, kPhases);
}

TEST(Barrier, ArriveWaitAndDrop) {
  concheck::barrier sync(2, "sync");
  auto token = sync.arrive();
  concheck::thread other([&] { sync.arrive_and_drop(); });  // completes phase 0, then leaves
  sync.wait(std::move(token));
  other.join();
  sync.arrive_and_wait();                                              // phase 1 expects only this thread
  EXPECT_THROW(static_cast<void>(sync.arrive(2)), std::system_error);  // more than expected
}

TEST(Event, SetClearWait) {
  concheck::event ready("ready");
  EXPECT_FALSE(ready.is_set());
  EXPECT_FALSE(ready.wait_for(10ms));
  EXPECT_FALSE(ready.wait_until(std::chrono::system_clock::now() + 5ms));
  concheck::thread setter([&] { ready.set(); });
  ready.wait();
  setter.join();
  EXPECT_TRUE(ready.is_set());
  EXPECT_TRUE(ready.wait_for(0ms));
  ready.clear();
  EXPECT_FALSE(ready.is_set());
  concheck::event initially("initially", true);
  EXPECT_TRUE(initially.is_set());
}

TEST(Event, SetWakesEveryWaiter) {
  concheck::event go("go");
  std::atomic<int> through{0};
  std::vector<concheck::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      go.wait();
      ++through;
    });
  }
  go.set();
  for (concheck::thread& t : waiters) t.join();
  EXPECT_EQ(through.load(), 4);
}

}  // namespace
