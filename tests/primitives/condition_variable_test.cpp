// concheck::condition_variable and condition_variable_any: waits with and
// without predicates and deadlines on every kind of clock, notify, the
// lockables condition_variable_any accepts, and stop_token waits.
#include <gtest/gtest.h>

#include <chrono>
#include <concheck/concheck.hpp>
#include <mutex>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <system_error>

namespace {

using namespace std::chrono_literals;

struct offset_clock {
  using rep = std::chrono::nanoseconds::rep;
  using period = std::chrono::nanoseconds::period;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<offset_clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    return time_point(std::chrono::steady_clock::now().time_since_epoch() + 1h);
  }
};

TEST(ConditionVariable, HandsValuesFromProducerToConsumer) {
  concheck::mutex m("m");
  concheck::condition_variable changed("changed");
  int value = 0;
  bool consumed = false;
  concheck::thread consumer([&] {
    std::unique_lock<concheck::mutex> lock(m);
    changed.wait(lock, [&] { return value != 0; });
    EXPECT_TRUE(lock.owns_lock());
    EXPECT_EQ(value, 42);
    consumed = true;
    changed.notify_one();
  });
  {
    std::lock_guard<concheck::mutex> lock(m);
    value = 42;
  }
  changed.notify_one();
  {
    std::unique_lock<concheck::mutex> lock(m);
    changed.wait(lock, [&] { return consumed; });
  }
  consumer.join();
}

// Every waiter is inside wait() before notify_all (each records its first
// evaluation of the predicate, under the mutex, and the notifier takes the
// mutex only once all three have: a waiter releases it only by blocking in
// wait), and the predicate turns true under the mutex after that, so only
// the notify can release them: a notify_all that wakes nobody leaves them
// blocked, and the bounded wait for them below fails the test.
TEST(ConditionVariable, NotifyAllReleasesEveryWaiter) {
  concheck::mutex m("m");
  concheck::condition_variable go("go");
  concheck::condition_variable progress("progress");
  bool open = false;
  bool waiting[3] = {false, false, false};
  int done = 0;
  auto waiter = [&](int i) {
    std::unique_lock<concheck::mutex> lock(m);
    go.wait(lock, [&] {
      if (!waiting[i]) {
        waiting[i] = true;
        progress.notify_all();
      }
      return open;
    });
    ++done;
    progress.notify_all();
  };
  concheck::thread one(waiter, 0);
  concheck::thread two(waiter, 1);
  concheck::thread three(waiter, 2);
  {
    std::unique_lock<concheck::mutex> lock(m);
    progress.wait(lock, [&] { return waiting[0] && waiting[1] && waiting[2]; });
    open = true;
  }
  go.notify_all();
  bool all_released = false;
  {
    std::unique_lock<concheck::mutex> lock(m);
    // A safety net, not a speed bound: a notify_all that works releases them at once.
    all_released = progress.wait_for(lock, 60s, [&] { return done == 3; });
  }
  EXPECT_TRUE(all_released) << "notify_all released only " << done << " of 3 waiters";
  if (!all_released) {
    for (int i = 0; i < 3; ++i) go.notify_one();  // let the threads end so they can be joined
  }
  one.join();
  two.join();
  three.join();
  EXPECT_EQ(done, 3);
}

TEST(ConditionVariable, TimedWaitsTimeOutOnEveryClock) {
  concheck::mutex m("m");
  concheck::condition_variable never("never");
  std::unique_lock<concheck::mutex> lock(m);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(never.wait_for(lock, 20ms), concheck::cv_status::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_TRUE(lock.owns_lock());
  EXPECT_EQ(never.wait_until(lock, std::chrono::system_clock::now() + 5ms), concheck::cv_status::timeout);
  EXPECT_EQ(never.wait_until(lock, offset_clock::now() + 5ms), concheck::cv_status::timeout);
  EXPECT_FALSE(never.wait_for(lock, 5ms, [] { return false; }));
  EXPECT_TRUE(never.wait_for(lock, 1h, [] { return true; }));
  EXPECT_FALSE(never.wait_until(lock, offset_clock::now() + 5ms, [] { return false; }));
}

// Refused before pthreads sees it (which would release a mutex another thread
// may hold): a clear error instead of a hang or a corrupted mutex.
template <class Wait>
void expect_refused(Wait wait) {
  try {
    wait();
    ADD_FAILURE() << "the wait was not refused";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::operation_not_permitted);
    EXPECT_NE(std::string(error.what()).find("cv-wait-unlocked"), std::string::npos) << error.what();
  }
}

TEST(ConditionVariable, WaitWithAnUnlockedMutexIsRefused) {
  concheck::mutex m("m");
  concheck::condition_variable cv("cv");
  std::unique_lock<concheck::mutex> not_held(m, std::defer_lock);
  expect_refused([&] { cv.wait(not_held); });
  expect_refused([&] { cv.wait_for(not_held, std::chrono::hours(1)); });
  std::unique_lock<concheck::mutex> no_mutex;
  expect_refused([&] { cv.wait(no_mutex); });
}

TEST(ConditionVariableAny, WaitsWithStdAndConcheckLocks) {
  std::mutex plain;
  concheck::shared_mutex rw("rw");
  concheck::condition_variable_any changed("changed");
  bool ready = false;
  concheck::thread waiter_plain([&] {
    std::unique_lock<std::mutex> lock(plain);
    changed.wait(lock, [&] { return ready; });
  });
  concheck::thread waiter_shared([&] {
    std::shared_lock<concheck::shared_mutex> lock(rw);
    changed.wait(lock, [&] {
      std::lock_guard<std::mutex> check(plain);
      return ready;
    });
  });
  {
    // `ready` changes under both waiters' locks: waiter_shared reads it in
    // its predicate under `plain`, but its wait releases `rw`, so only with
    // `rw` held here too is it either before its check (and sees true) or
    // already blocked (and gets the notify). With `plain` alone the notify
    // could fall between its check and its wait: a lost wakeup.
    std::unique_lock<concheck::shared_mutex> exclusive(rw);
    std::lock_guard<std::mutex> lock(plain);
    ready = true;
  }
  changed.notify_all();
  waiter_plain.join();
  waiter_shared.join();
}

TEST(ConditionVariableAny, TimedWaitsTimeOut) {
  concheck::mutex m("m");
  concheck::condition_variable_any never("never");
  std::unique_lock<concheck::mutex> lock(m);
  EXPECT_EQ(never.wait_for(lock, 5ms), concheck::cv_status::timeout);
  EXPECT_TRUE(lock.owns_lock());
  EXPECT_FALSE(never.wait_until(lock, std::chrono::system_clock::now() + 5ms, [] { return false; }));
  EXPECT_FALSE(never.wait_for(lock, 5ms, [] { return false; }));
}

TEST(ConditionVariableAny, StopRequestEndsTheWait) {
  concheck::mutex m("m");
  concheck::condition_variable_any never("never");
  std::stop_source stop;
  bool result = true;
  concheck::event started("started");
  concheck::thread waiter([&] {
    std::unique_lock<concheck::mutex> lock(m);
    started.set();
    result = never.wait(lock, stop.get_token(), [] { return false; });
    EXPECT_TRUE(lock.owns_lock());
  });
  started.wait();
  stop.request_stop();  // wakes the wait whether it started waiting yet or not
  waiter.join();
  EXPECT_FALSE(result);

  std::unique_lock<concheck::mutex> lock(m);
  EXPECT_FALSE(never.wait_for(lock, stop.get_token(), 1h, [] { return false; }));  // already stopped
  std::stop_source fresh;
  EXPECT_FALSE(never.wait_for(lock, fresh.get_token(), 5ms, [] { return false; }));  // timed out
  EXPECT_TRUE(never.wait(lock, fresh.get_token(), [] { return true; }));
}

}  // namespace
