// Real deadlocks end the process with the report and exit code 66; they never
// hang. Each case runs in a child process (death test, re-executed so the
// child starts single-threaded). The suite runs with deadlock_grace_ms=200
// (CMakeLists.txt), so "everyone blocked" cases end in well under a second.
#include <pthread.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

class deadlock_test : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

void ab_ba_deadlock() {
  std::mutex a;
  std::mutex b;
  std::barrier both(2);
  std::thread first([&] {
    std::lock_guard<std::mutex> ga(a);
    both.arrive_and_wait();
    std::lock_guard<std::mutex> gb(b);
  });
  std::thread second([&] {
    std::lock_guard<std::mutex> gb(b);
    both.arrive_and_wait();
    std::lock_guard<std::mutex> ga(a);
  });
  first.join();
  second.join();
}

TEST_F(deadlock_test, RealAbBaDeadlockEndsWithExit66) {
  EXPECT_EXIT(ab_ba_deadlock(), ::testing::ExitedWithCode(66),
              "concheck: deadlock(.|\n)*2 threads wait for each other");
}

void three_thread_deadlock() {
  std::mutex locks[3];
  std::barrier all(3);
  std::thread threads[3];
  for (int i = 0; i < 3; ++i) {
    threads[i] = std::thread([&, i] {
      std::lock_guard<std::mutex> mine(locks[i]);
      all.arrive_and_wait();
      std::lock_guard<std::mutex> next(locks[(i + 1) % 3]);
    });
  }
  for (auto& t : threads) t.join();
}

TEST_F(deadlock_test, ThreeThreadCycleEndsWithExit66) {
  EXPECT_EXIT(three_thread_deadlock(), ::testing::ExitedWithCode(66), "3 threads wait for each other");
}

void writer_deadlock() {
  std::shared_mutex a;
  std::shared_mutex b;
  std::barrier both(2);
  std::thread first([&] {
    std::shared_lock<std::shared_mutex> ga(a);
    both.arrive_and_wait();
    std::unique_lock<std::shared_mutex> gb(b);
  });
  std::thread second([&] {
    std::shared_lock<std::shared_mutex> gb(b);
    both.arrive_and_wait();
    std::unique_lock<std::shared_mutex> ga(a);
  });
  first.join();
  second.join();
}

TEST_F(deadlock_test, ReaderWriterDeadlockEndsWithExit66) {
  EXPECT_EXIT(writer_deadlock(), ::testing::ExitedWithCode(66), "concheck: deadlock");
}

void self_deadlock() {
  std::mutex m;
  m.lock();
  m.lock();
}

TEST_F(deadlock_test, SelfDeadlockEndsWithExit66) {
  EXPECT_EXIT(self_deadlock(), ::testing::ExitedWithCode(66), "concheck: self-deadlock");
}

void rwlock_upgrade_self_deadlock() {
  std::shared_mutex m;
  m.lock_shared();
  m.lock();
}

TEST_F(deadlock_test, SharedThenExclusiveOnOneRwlockIsSelfDeadlock) {
  EXPECT_EXIT(rwlock_upgrade_self_deadlock(), ::testing::ExitedWithCode(66), "concheck: self-deadlock");
}

void lost_wakeup() {
  std::mutex m;
  std::condition_variable cv;
  cv.notify_one();  // nobody waits yet: this wakeup is lost
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock);
  });
  waiter.join();
}

TEST_F(deadlock_test, LostWakeupEndsWithExit66AfterGrace) {
  EXPECT_EXIT(lost_wakeup(), ::testing::ExitedWithCode(66),
              "every thread is blocked with no timeout(.|\n)*condition variable");
}

// pthread_cond_destroy while a thread waits: glibc 2.36 blocks the destroying
// thread until the waiter wakes, which here never happens. The destroyer
// takes the mutex only once the waiter is inside pthread_cond_wait (which
// releases it), so the order is forced.
void destroy_waited_condition_variable() {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  static bool waiting = false;
  std::thread waiter([] {
    pthread_mutex_lock(&m);
    waiting = true;
    pthread_cond_wait(&cv, &m);
    pthread_mutex_unlock(&m);
  });
  for (;;) {
    pthread_mutex_lock(&m);
    const bool ready = waiting;
    pthread_mutex_unlock(&m);
    if (ready) break;
    std::this_thread::yield();
  }
  pthread_cond_destroy(&cv);
  waiter.join();
}

TEST_F(deadlock_test, DestroyingAWaitedConditionVariableIsReportedAndEnded) {
  EXPECT_EXIT(destroy_waited_condition_variable(), ::testing::ExitedWithCode(66),
              "concheck: destroy-locked(.|\n)*is destroyed while a thread waits on it(.|\n)*"
              "concheck: deadlock(.|\n)*every thread is blocked");
}

std::atomic<pthread_t> g_first{};
std::atomic<pthread_t> g_second{};
std::latch* g_handles_ready = nullptr;

void* join_second(void*) {
  g_handles_ready->wait();
  pthread_join(g_second.load(), nullptr);
  return nullptr;
}

void* join_first(void*) {
  g_handles_ready->wait();
  pthread_join(g_first.load(), nullptr);
  return nullptr;
}

void join_cycle() {
  std::latch ready(1);
  g_handles_ready = &ready;
  pthread_t first;
  pthread_t second;
  pthread_create(&first, nullptr, &join_second, nullptr);
  pthread_create(&second, nullptr, &join_first, nullptr);
  g_first.store(first);
  g_second.store(second);
  ready.count_down();
  pthread_join(first, nullptr);
}

TEST_F(deadlock_test, JoinCycleEndsWithExit66) {
  EXPECT_EXIT(join_cycle(), ::testing::ExitedWithCode(66), "concheck: deadlock(.|\n)*join");
}

// Issue 9 item 9: main joins the loader while holding the lock the loader
// needs. The hint is about join, not lock order; the lock is named after the
// expression that locked it.
void join_while_holding() {
  std::mutex registry;
  std::lock_guard<std::mutex> held(registry);
  std::thread loader([&] { std::lock_guard<std::mutex> wanted(registry); });
  loader.join();
}

TEST_F(deadlock_test, JoinWhileHoldingTheJoinedThreadsLockSaysReleaseBeforeJoin) {
  EXPECT_EXIT(join_while_holding(), ::testing::ExitedWithCode(66),
              "concheck: deadlock(.|\n)*'registry'(.|\n)*hint: Don't join a thread while holding a lock it "
              "needs: release the lock before join\\(\\)");
}

void lock_behind_condition_wait() {
  // T1 waits (forever) on a cv while holding `held`; main blocks on `held`.
  std::mutex held;
  std::mutex cv_mutex;
  std::condition_variable cv;
  std::latch locked(1);
  std::thread sleeper([&] {
    std::lock_guard<std::mutex> g(held);
    std::unique_lock<std::mutex> lock(cv_mutex);
    locked.count_down();
    cv.wait(lock);
  });
  locked.wait();
  std::lock_guard<std::mutex> g(held);
  sleeper.join();
}

TEST_F(deadlock_test, LockHeldByAForeverWaiterEndsWithExit66) {
  EXPECT_EXIT(lock_behind_condition_wait(), ::testing::ExitedWithCode(66), "every thread is blocked");
}

TEST_F(deadlock_test, TimedWaitsAreNoDeadlock) {
  // A waiter with a timeout is not stuck: the run goes on and ends normally.
  std::mutex m;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(m);
  EXPECT_EQ(cv.wait_for(lock, std::chrono::milliseconds(600)), std::cv_status::timeout);
}

}  // namespace
}  // namespace runtime_e2e
