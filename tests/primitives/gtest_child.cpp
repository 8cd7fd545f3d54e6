// A GoogleTest program using concheck::gtest, run as a child process by
// gtest_integration_test.cpp: some tests make findings on purpose, the others
// are clean, and the parent checks each one's verdict and attribution.
// It prints "EXPECTED_SITE file:line" for the site the failure must point at.
#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <concheck/concheck.hpp>
#include <concheck/gtest.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace {

void print_expected_site(int line) {
  std::printf("EXPECTED_SITE %s:%d\n", __FILE__, line);
  std::fflush(stdout);
}

// Takes `first` then `second` in a named thread and joins it.
int lock_in_order(concheck::mutex& first, concheck::mutex& second, const char* thread) {
  int second_line = 0;
  concheck::thread worker(concheck::thread_name(thread), [&] {
    std::lock_guard<concheck::mutex> hold_first(first);
    second_line = __LINE__ + 1;  // the next line, where the cycle closes
    second.lock();
    second.unlock();
  });
  worker.join();
  return second_line;
}

TEST(Findings, LockOrderInversion) {
  concheck::mutex a("child_a");
  concheck::mutex b("child_b");
  lock_in_order(a, b, "one");
  // The closing edge is taken, and reported, in another thread while this
  // test waits for it: the failure still belongs to this test.
  print_expected_site(lock_in_order(b, a, "two"));
}

TEST(Findings, AfterFinding) {
  concheck::mutex a("after_a");
  concheck::mutex b("after_b");
  lock_in_order(a, b, "one");
  lock_in_order(a, b, "two");
}

TEST(Findings, Clean) {
  concheck::mutex m("clean");
  std::lock_guard<concheck::mutex> guard(m);
  SUCCEED();
}

// A user's lock wrapper, out of line: the pthread call returns into it.
class wrapped_mutex {
 public:
  // Checked calls: no tail call, so this frame is on the stack.
  [[gnu::noinline]] void lock() {
    if (pthread_mutex_lock(&mutex_) != 0) std::abort();
  }
  [[gnu::noinline]] void unlock() {
    if (pthread_mutex_unlock(&mutex_) != 0) std::abort();
  }

 private:
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
};

int wrapped_in_order(wrapped_mutex& first, wrapped_mutex& second, const char* thread) {
  int second_line = 0;
  concheck::thread worker(concheck::thread_name(thread), [&] {
    std::lock_guard<wrapped_mutex> hold_first(first);
    std::lock_guard<wrapped_mutex> hold_second(second);
    second_line = __LINE__ - 1;
  });
  worker.join();
  return second_line;
}

// The failure points at the user's line, not at the wrapper's lock().
TEST(Wrapped, LockOrderInversion) {
  wrapped_mutex a;
  wrapped_mutex b;
  wrapped_in_order(a, b, "one");
  print_expected_site(wrapped_in_order(b, a, "two"));
}

// A death test's child never reaches the end of its test: its report must
// reach stderr, where the parent's matcher reads it (both death test styles).
void inversion_then_exit() {
  concheck::mutex a("death_a");
  concheck::mutex b("death_b");
  lock_in_order(a, b, "one");
  lock_in_order(b, a, "two");
  ::_exit(3);
}

TEST(DeathTests, ReportReachesTheMatcherThreadsafe) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(inversion_then_exit(), testing::ExitedWithCode(3), "SUMMARY: concheck: lock-order-inversion");
}

TEST(DeathTests, ReportReachesTheMatcherFast) {
  GTEST_FLAG_SET(death_test_style, "fast");
  EXPECT_EXIT(inversion_then_exit(), testing::ExitedWithCode(3), "SUMMARY: concheck: lock-order-inversion");
}

void ab_ba_deadlock() {
  concheck::mutex a("dl_a");
  concheck::mutex b("dl_b");
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
}

TEST(Deadlock, EndsWithExitCode66) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ab_ba_deadlock(), testing::ExitedWithCode(66), "deadlock");
}

// Run only on request (--gtest_also_run_disabled_tests): ends the program.
TEST(Deadlock, DISABLED_OutsideADeathTest) {
  ab_ba_deadlock();
}

// With CONCHECK_CHILD_STRAY=1, makes an inversion after the last test ended
// (environment teardown): it must fail the run, not any test.
class stray_finding : public testing::Environment {
 public:
  void TearDown() override {
    if (std::getenv("CONCHECK_CHILD_STRAY") == nullptr) return;
    static concheck::mutex a("stray_a");
    static concheck::mutex b("stray_b");
    lock_in_order(a, b, "one");
    lock_in_order(b, a, "two");
  }
};
const testing::Environment* const g_stray = testing::AddGlobalTestEnvironment(new stray_finding);

}  // namespace
