// Explore mode on the primitives whose waits happen outside the pthread
// functions concheck always interposed: libstdc++'s std::latch, std::barrier,
// std::counting_semaphore and std::atomic::wait/notify (futexes through
// syscall(), runtime/src/interpose_futex.cpp), pthread barriers and spin
// locks. A correct body passes every schedule; a body whose wait can never
// end is a `deadlock`, not a stall (`step-bound-exceeded`, what an
// uncontrolled wait ends as after stall_ms).
#include <gtest/gtest.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstring>
#include <latch>
#include <semaphore>
#include <thread>
#include <vector>

#include "concheck/explore.hpp"

namespace {

// Short stalls: a wait concheck does not control fails the test quickly.
concheck::explore_options short_stall(concheck::explore_strategy strategy, std::uint64_t schedules) {
  concheck::explore_options o;
  o.strategy = strategy;
  o.schedules = schedules;
  o.stall_ms = 2000;
  return o;
}

constexpr concheck::explore_strategy kStrategies[] = {
    concheck::explore_strategy::random, concheck::explore_strategy::pct, concheck::explore_strategy::dfs};

void expect_every_schedule_passes(const std::function<void()>& body, std::uint64_t schedules = 60) {
  for (const auto strategy : kStrategies) {
    const auto result = concheck::explore(short_stall(strategy, schedules), body);
    ASSERT_TRUE(result.ok()) << "strategy " << static_cast<int>(strategy) << ": "
                             << (result.failure ? result.failure->report : result.error);
    EXPECT_GT(result.schedules, 0u);
  }
}

TEST(ExplorePrimitives, StdLatchOpensForEveryInterleaving) {
  expect_every_schedule_passes([] {
    std::latch done(2);
    std::atomic<int> work{0};
    std::thread a([&] {
      work.fetch_add(1);
      done.count_down();
    });
    std::thread b([&] {
      work.fetch_add(1);
      done.count_down();
    });
    done.wait();
    if (work.load() != 2) throw std::logic_error("the latch opened early");
    a.join();
    b.join();
  });
}

TEST(ExplorePrimitives, StdBarrierSeparatesPhasesInEveryInterleaving) {
  expect_every_schedule_passes([] {
    std::barrier sync(2);
    int slots[2] = {0, 0};
    bool wrong = false;
    const auto worker = [&](int self) {
      slots[self] = 1;
      sync.arrive_and_wait();  // phase 1 written by both before either reads
      if (slots[1 - self] != 1) wrong = true;
      sync.arrive_and_wait();
    };
    std::thread a(worker, 0);
    std::thread b(worker, 1);
    a.join();
    b.join();
    if (wrong) throw std::logic_error("a phase was read before it was written");
  });
}

TEST(ExplorePrimitives, StdCountingSemaphoreAdmitsAtMostItsCount) {
  expect_every_schedule_passes([] {
    std::counting_semaphore<2> admit(2);
    std::atomic<int> inside{0};
    std::atomic<bool> too_many{false};
    std::vector<std::thread> workers;
    for (int i = 0; i < 3; ++i) {
      workers.emplace_back([&] {
        admit.acquire();
        if (inside.fetch_add(1) + 1 > 2) too_many = true;
        std::this_thread::yield();
        inside.fetch_sub(1);
        admit.release();
      });
    }
    for (auto& w : workers) w.join();
    if (too_many) throw std::logic_error("more than 2 inside");
  });
}

TEST(ExplorePrimitives, AtomicWaitReturnsOnceNotified) {
  expect_every_schedule_passes([] {
    std::atomic<int> state{0};
    std::thread setter([&] {
      state.store(1);
      state.notify_one();
    });
    state.wait(0);
    if (state.load() != 1) throw std::logic_error("woke with the old value");
    setter.join();
  });
}

// A timed wait runs on virtual time: a semaphore nobody releases times out
// at once in every schedule (an hour of real time otherwise).
TEST(ExplorePrimitives, TimedSemaphoreWaitTimesOutOnVirtualTime) {
  const auto start = std::chrono::steady_clock::now();
  expect_every_schedule_passes(
      [] {
        std::binary_semaphore never(0);
        if (never.try_acquire_for(std::chrono::hours(1))) throw std::logic_error("acquired");
      },
      10);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::minutes(1));
}

TEST(ExplorePrimitives, ALatchThatLosesACountIsADeadlock) {
  const auto result = concheck::explore(short_stall(concheck::explore_strategy::automatic, 20), [] {
    std::latch done(3);  // the bug: three expected, two counted
    std::thread a([&] { done.count_down(); });
    std::thread b([&] { done.count_down(); });
    done.wait();
    a.join();
    b.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "deadlock") << result.failure->report;
  EXPECT_NE(result.failure->report.find("futex"), std::string::npos) << result.failure->report;
  EXPECT_TRUE(result.failure->reproduced);
}

// A store with no notify: the waiter misses it in the interleavings where
// it blocks before the store, and waits forever there.
TEST(ExplorePrimitives, AMissingNotifyIsADeadlockInTheInterleavingsThatMissIt) {
  const auto result = concheck::explore(short_stall(concheck::explore_strategy::automatic, 200), [] {
    std::atomic<int> state{0};
    std::thread setter([&] { state.store(1); });  // the bug: no notify
    state.wait(0);
    setter.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "deadlock") << result.failure->report;
  EXPECT_TRUE(result.failure->reproduced);
}

TEST(ExplorePrimitives, PthreadBarrierSeparatesPhasesAndNamesOneSerialThread) {
  expect_every_schedule_passes([] {
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, nullptr, 3);
    std::atomic<int> serial{0};
    int slots[3] = {0, 0, 0};
    std::atomic<bool> wrong{false};
    const auto worker = [&](int self) {
      slots[self] = 1;
      if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) serial.fetch_add(1);
      for (int other : slots) {
        if (other != 1) wrong = true;
      }
    };
    std::thread a(worker, 0);
    std::thread b(worker, 1);
    worker(2);
    a.join();
    b.join();
    pthread_barrier_destroy(&barrier);
    if (wrong) throw std::logic_error("passed the barrier before every thread arrived");
    if (serial.load() != 1) throw std::logic_error("not exactly one serial thread");
  });
}

TEST(ExplorePrimitives, APthreadBarrierThatTooFewReachIsADeadlock) {
  const auto result = concheck::explore(short_stall(concheck::explore_strategy::random, 10), [] {
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, nullptr, 3);  // the bug: three expected, two arrive
    std::thread a([&] { pthread_barrier_wait(&barrier); });
    pthread_barrier_wait(&barrier);
    a.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "deadlock") << result.failure->report;
  EXPECT_NE(result.failure->report.find("barrier"), std::string::npos) << result.failure->report;
}

TEST(ExplorePrimitives, SpinLockGuardsACounterInEveryInterleaving) {
  expect_every_schedule_passes([] {
    pthread_spinlock_t lock;
    pthread_spin_init(&lock, PTHREAD_PROCESS_PRIVATE);
    int counter = 0;
    const auto add = [&] {
      for (int i = 0; i < 3; ++i) {
        pthread_spin_lock(&lock);
        const int seen = counter;
        std::this_thread::yield();  // another thread may try the lock here
        counter = seen + 1;
        pthread_spin_unlock(&lock);
      }
    };
    std::thread a(add);
    std::thread b(add);
    a.join();
    b.join();
    pthread_spin_destroy(&lock);
    if (counter != 6) throw std::logic_error("lost update");
  });
}

TEST(ExplorePrimitives, SpinLocksTakenInOppositeOrdersAreFound) {
  const auto result = concheck::explore(short_stall(concheck::explore_strategy::automatic, 200), [] {
    pthread_spinlock_t a_lock;
    pthread_spinlock_t b_lock;
    pthread_spin_init(&a_lock, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_init(&b_lock, PTHREAD_PROCESS_PRIVATE);
    std::thread a([&] {
      pthread_spin_lock(&a_lock);
      pthread_spin_lock(&b_lock);
      pthread_spin_unlock(&b_lock);
      pthread_spin_unlock(&a_lock);
    });
    std::thread b([&] {
      pthread_spin_lock(&b_lock);
      pthread_spin_lock(&a_lock);
      pthread_spin_unlock(&a_lock);
      pthread_spin_unlock(&b_lock);
    });
    a.join();
    b.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_NE(result.failure->kind, "step-bound-exceeded") << result.failure->report;
  EXPECT_TRUE(result.failure->kind == "deadlock" || result.failure->kind == "lock-order-inversion")
      << result.failure->report;
}

int allowed_cpus() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  return sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : -1;
}

// One thread of a schedule runs at a time: they all run on one CPU (a
// hand-off is then a switch there, docs/explore.md "Cost"), and the thread
// that called explore() gets its CPUs back after.
TEST(ExplorePrimitives, AScheduleRunsOnOneCpuAndTheCallerGetsItsCpusBack) {
  const int before = allowed_cpus();
  if (before < 2) GTEST_SKIP() << "one CPU here";
  std::atomic<int> widest{0};
  const auto result = concheck::explore(short_stall(concheck::explore_strategy::random, 5), [&] {
    std::thread t([&] { widest = std::max(widest.load(), allowed_cpus()); });
    widest = std::max(widest.load(), allowed_cpus());
    t.join();
  });
  ASSERT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
  EXPECT_EQ(widest.load(), 1);
  EXPECT_EQ(allowed_cpus(), before);
}

// Every other system call, and every futex call outside a controlled
// thread, reaches the kernel with the caller's arguments.
TEST(ExplorePrimitives, OtherSystemCallsPassThroughWithTheirArguments) {
  const auto check = [] {
    EXPECT_EQ(syscall(SYS_getpid), getpid());
    void* page = reinterpret_cast<void*>(
        syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(page, MAP_FAILED);
    std::memset(page, 7, 4096);
    EXPECT_EQ(syscall(SYS_munmap, page, 4096), 0);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    EXPECT_EQ(syscall(SYS_write, fds[1], "abc", 3), 3);
    char text[4] = {};
    EXPECT_EQ(read(fds[0], text, 3), 3);
    EXPECT_STREQ(text, "abc");
    close(fds[0]);
    close(fds[1]);
  };
  check();  // outside explore mode
  // Outside explore mode a futex wait is the kernel's: a changed value is EAGAIN.
  std::uint32_t word = 1;
  errno = 0;
  EXPECT_EQ(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0), 0);
  // In a controlled thread too.
  const auto result = concheck::explore(short_stall(concheck::explore_strategy::random, 3), check);
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

}  // namespace
