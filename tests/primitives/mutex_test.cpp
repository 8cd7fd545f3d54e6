// concheck::mutex, recursive_mutex, timed_mutex, recursive_timed_mutex: the
// standard semantics, the standard lock helpers, and timed acquisition. Every
// "another thread holds it" state is set up with a latch/event handshake.
#include <gtest/gtest.h>

#include <chrono>
#include <concheck/concheck.hpp>
#include <mutex>
#include <type_traits>

namespace {

using namespace std::chrono_literals;

static_assert(!std::is_copy_constructible_v<concheck::mutex>);
static_assert(!std::is_move_constructible_v<concheck::mutex>);
static_assert(std::is_same_v<concheck::mutex::native_handle_type, pthread_mutex_t*>);

// Runs `probe` in another thread while this thread holds nothing, returning its result.
template <class Probe>
auto from_other_thread(Probe probe) {
  decltype(probe()) result{};
  concheck::thread other([&] { result = probe(); });
  other.join();
  return result;
}

// A clock of its own, so the generic (converted) deadline path is exercised.
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

TEST(Mutex, LockExcludesOtherThreads) {
  concheck::mutex m("m");
  m.lock();
  EXPECT_FALSE(from_other_thread([&] { return m.try_lock(); }));
  m.unlock();
  EXPECT_TRUE(from_other_thread([&] {
    const bool taken = m.try_lock();
    if (taken) m.unlock();
    return taken;
  }));
}

TEST(Mutex, TryLockByOwnerFailsInsteadOfDeadlocking) {
  concheck::mutex m;
  std::lock_guard<concheck::mutex> held(m);
  EXPECT_FALSE(m.try_lock());
}

TEST(Mutex, WorksWithStandardLockHelpers) {
  concheck::mutex a("a");
  concheck::mutex b("b");
  {
    std::scoped_lock both(a, b);
    EXPECT_FALSE(from_other_thread([&] { return a.try_lock() || b.try_lock(); }));
  }
  {
    std::unique_lock<concheck::mutex> first(a, std::defer_lock);
    std::unique_lock<concheck::mutex> second(b, std::defer_lock);
    std::lock(first, second);
    EXPECT_TRUE(first.owns_lock());
    EXPECT_TRUE(second.owns_lock());
  }
  std::unique_lock<concheck::mutex> taken(a, std::try_to_lock);
  EXPECT_TRUE(taken.owns_lock());
}

TEST(Mutex, ProtectsACounterAcrossThreads) {
  concheck::mutex m("counter");
  long counter = 0;
  concheck::barrier start(2, "start");
  auto work = [&] {
    start.arrive_and_wait();
    for (int i = 0; i < 20000; ++i) {
      std::lock_guard<concheck::mutex> guard(m);
      ++counter;
    }
  };
  concheck::thread one(work);
  concheck::thread two(work);
  one.join();
  two.join();
  EXPECT_EQ(counter, 40000);
}

TEST(Mutex, SetNameAndStringNames) {
  const std::string name = "built-" + std::to_string(7);
  concheck::mutex from_string(name);
  concheck::mutex from_view{std::string_view(name)};
  from_string.set_name("renamed");
  from_view.set_name(std::string("renamed-too"));
  std::lock_guard<concheck::mutex> guard(from_string);
  SUCCEED();
}

TEST(RecursiveMutex, OwnerRelocksAndReleasesAfterMatchingUnlocks) {
  concheck::recursive_mutex m("rm");
  m.lock();
  EXPECT_TRUE(m.try_lock());
  m.lock();
  m.unlock();
  m.unlock();
  EXPECT_FALSE(from_other_thread([&] { return m.try_lock(); }));  // still held once
  m.unlock();
  EXPECT_TRUE(from_other_thread([&] {
    const bool taken = m.try_lock();
    if (taken) m.unlock();
    return taken;
  }));
}

template <class TimedMutex>
void expect_timed_behaviour() {
  TimedMutex m("timed");
  concheck::event held("held");
  concheck::event release("release");
  concheck::thread owner([&] {
    std::lock_guard<TimedMutex> guard(m);
    held.set();
    release.wait();
  });
  held.wait();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(m.try_lock_for(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);  // never gives up early
  EXPECT_FALSE(m.try_lock_until(std::chrono::steady_clock::now() + 5ms));
  EXPECT_FALSE(m.try_lock_until(std::chrono::system_clock::now() + 5ms));
  EXPECT_FALSE(m.try_lock_until(offset_clock::now() + 5ms));
  EXPECT_FALSE(m.try_lock_for(-1s));
  release.set();
  owner.join();
  EXPECT_TRUE(m.try_lock_for(1h));  // free: taken at once
  m.unlock();
  EXPECT_TRUE(m.try_lock_until(offset_clock::now() + 1h));
  m.unlock();
}

TEST(TimedMutex, GivesUpAfterTheTimeoutWhileAnotherThreadHoldsIt) {
  expect_timed_behaviour<concheck::timed_mutex>();
}

TEST(RecursiveTimedMutex, GivesUpAfterTheTimeoutWhileAnotherThreadHoldsIt) {
  expect_timed_behaviour<concheck::recursive_timed_mutex>();
  concheck::recursive_timed_mutex m;
  ASSERT_TRUE(m.try_lock_for(1ms));
  EXPECT_TRUE(m.try_lock_for(1ms));  // owner re-locks
  m.unlock();
  m.unlock();
}

}  // namespace
