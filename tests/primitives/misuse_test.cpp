// Misuse of the primitives and waits that can never end are reported by
// concheck, and the ones that would hang end the process with exit code 66
// instead. Each case runs in a death-test child process, so the report is
// checked on its stderr and a regression cannot hang or kill the suite.
#include <gtest/gtest.h>

#include <concheck/concheck.hpp>
#include <cstdlib>
#include <mutex>

namespace {

class Misuse : public testing::Test {
 protected:
  void SetUp() override {
    // Re-executes the test binary for each child: safe with threads around.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // Children inherit this: waits nobody can end are reported after 1 s.
    // (Shorter graces have been seen to misjudge a join of a thread that is
    // still tearing down on a loaded machine: a runtime issue, not ours.)
    setenv("CONCHECK_OPTIONS", "deadlock_grace_ms=1000", 1);
  }
};

TEST_F(Misuse, UnlockNotOwnedIsReported) {
  EXPECT_EXIT(
      {
        concheck::mutex orphan("orphan");
        orphan.unlock();
        std::_Exit(0);
      },
      testing::ExitedWithCode(0), "unlock-not-owned.*orphan");
}

TEST_F(Misuse, UnlockByAnotherThreadIsReported) {
  EXPECT_EXIT(
      {
        concheck::mutex held("held");
        held.lock();
        concheck::thread intruder(concheck::thread_name("intruder"), [&] { held.unlock(); });
        intruder.join();
        std::_Exit(0);
      },
      testing::ExitedWithCode(0), "unlock-not-owned.*intruder");
}

TEST_F(Misuse, DestroyLockedIsReported) {
  EXPECT_EXIT(
      {
        auto* doomed = new concheck::mutex("doomed");
        doomed->lock();
        delete doomed;
        std::_Exit(0);
      },
      testing::ExitedWithCode(0), "destroy-locked");
}

TEST_F(Misuse, SelfDeadlockEndsTheProcess) {
  EXPECT_EXIT(
      {
        concheck::mutex twice("twice");
        twice.lock();
        twice.lock();
        std::_Exit(3);
      },
      testing::ExitedWithCode(66), "self-deadlock");
}

TEST_F(Misuse, ThreadExitHoldingALockIsReported) {
  EXPECT_EXIT(
      {
        concheck::mutex kept("kept");
        concheck::thread leaver(concheck::thread_name("leaver"), [&] { kept.lock(); });
        leaver.join();
        std::_Exit(0);
      },
      testing::ExitedWithCode(0), "thread-exit-holding-lock");
}

TEST_F(Misuse, RealDeadlockEndsTheProcess) {
  EXPECT_EXIT(
      {
        concheck::mutex a("a");
        concheck::mutex b("b");
        concheck::barrier both_hold(2, "both_hold");
        concheck::thread one(concheck::thread_name("one"), [&] {
          std::lock_guard<concheck::mutex> first(a);
          both_hold.arrive_and_wait();
          std::lock_guard<concheck::mutex> second(b);
        });
        concheck::thread two(concheck::thread_name("two"), [&] {
          std::lock_guard<concheck::mutex> first(b);
          both_hold.arrive_and_wait();
          std::lock_guard<concheck::mutex> second(a);
        });
        one.join();
        two.join();
        std::_Exit(3);
      },
      testing::ExitedWithCode(66), "deadlock");
}

// The waits of concheck's own semaphores, events and queues are visible, so
// a wait nobody can end is a deadlock report instead of a hang.
TEST_F(Misuse, EventNobodySetsIsADeadlock) {
  EXPECT_EXIT(
      {
        concheck::event never("never_set");
        concheck::thread waiter(concheck::thread_name("waiter"), [&] { never.wait(); });
        waiter.join();
        std::_Exit(3);
      },
      testing::ExitedWithCode(66), "deadlock");
}

TEST_F(Misuse, SemaphoreNobodyReleasesIsADeadlock) {
  EXPECT_EXIT(
      {
        concheck::binary_semaphore empty(0, "empty");
        empty.acquire();
        std::_Exit(3);
      },
      testing::ExitedWithCode(66), "deadlock");
}

TEST_F(Misuse, QueueNobodyFillsIsADeadlock) {
  EXPECT_EXIT(
      {
        concheck::blocking_queue<int> jobs("jobs");
        static_cast<void>(jobs.get());
        std::_Exit(3);
      },
      testing::ExitedWithCode(66), "deadlock");
}

}  // namespace
