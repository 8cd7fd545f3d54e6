// concheck::shared_mutex and shared_timed_mutex: readers share, writers
// exclude, the standard lock helpers work, timed acquisitions give up.
#include <gtest/gtest.h>

#include <chrono>
#include <concheck/concheck.hpp>
#include <mutex>
#include <shared_mutex>

namespace {

using namespace std::chrono_literals;

template <class Probe>
bool from_other_thread(Probe probe) {
  bool result = false;
  concheck::thread other([&] { result = probe(); });
  other.join();
  return result;
}

TEST(SharedMutex, ReadersShareWritersExclude) {
  concheck::shared_mutex rw("rw");
  {
    std::shared_lock<concheck::shared_mutex> reader(rw);
    EXPECT_TRUE(from_other_thread([&] {
      const bool shared = rw.try_lock_shared();
      if (shared) rw.unlock_shared();
      return shared;
    }));
    EXPECT_FALSE(from_other_thread([&] { return rw.try_lock(); }));
  }
  {
    std::lock_guard<concheck::shared_mutex> writer(rw);
    EXPECT_FALSE(from_other_thread([&] { return rw.try_lock_shared(); }));
    EXPECT_FALSE(from_other_thread([&] { return rw.try_lock(); }));
  }
  EXPECT_TRUE(from_other_thread([&] {
    const bool exclusive = rw.try_lock();
    if (exclusive) rw.unlock();
    return exclusive;
  }));
}

TEST(SharedMutex, ManyReadersAtOnce) {
  // Three readers prove they hold the lock together: each waits inside its
  // shared section until all three have arrived.
  concheck::shared_mutex rw("rw");
  concheck::latch all_inside(3, "all_inside");
  auto reader = [&] {
    std::shared_lock<concheck::shared_mutex> lock(rw);
    all_inside.arrive_and_wait();
  };
  concheck::thread one(reader);
  concheck::thread two(reader);
  concheck::thread three(reader);
  one.join();
  two.join();
  three.join();
  EXPECT_TRUE(all_inside.try_wait());
}

TEST(SharedTimedMutex, TimedAcquisitionsGiveUp) {
  concheck::shared_timed_mutex rw("rw");
  concheck::event held("held");
  concheck::event release("release");
  concheck::thread writer([&] {
    std::lock_guard<concheck::shared_timed_mutex> lock(rw);
    held.set();
    release.wait();
  });
  held.wait();
  EXPECT_FALSE(rw.try_lock_for(10ms));
  EXPECT_FALSE(rw.try_lock_shared_for(10ms));
  EXPECT_FALSE(rw.try_lock_until(std::chrono::system_clock::now() + 5ms));
  EXPECT_FALSE(rw.try_lock_shared_until(std::chrono::steady_clock::now() + 5ms));
  release.set();
  writer.join();
  ASSERT_TRUE(rw.try_lock_shared_for(1h));
  EXPECT_TRUE(from_other_thread([&] {
    const bool shared = rw.try_lock_shared_for(1h);
    if (shared) rw.unlock_shared();
    return shared;
  }));
  rw.unlock_shared();
  ASSERT_TRUE(rw.try_lock_for(1h));
  rw.unlock();
}

}  // namespace
