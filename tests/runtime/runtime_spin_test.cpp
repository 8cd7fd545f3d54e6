// pthread spin locks (issue 9, item 3): ordered like any lock, a spin that
// can never end is a deadlock in the wait-for graph (its wait is a busy loop,
// registered like a blocked lock wait), and misuse is reported as for mutexes.
#include <pthread.h>

#include <atomic>
#include <barrier>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

using spin_test = runtime_test;

TEST_F(spin_test, SpinLockInversionIsReported) {
  pthread_spinlock_t a;
  pthread_spinlock_t b;
  pthread_spin_init(&a, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&b, PTHREAD_PROCESS_PRIVATE);
  std::thread first([&] {
    pthread_spin_lock(&a);
    pthread_spin_lock(&b);
    pthread_spin_unlock(&b);
    pthread_spin_unlock(&a);
  });
  first.join();
  std::thread second([&] {
    pthread_spin_lock(&b);
    pthread_spin_lock(&a);
    pthread_spin_unlock(&a);
    pthread_spin_unlock(&b);
  });
  second.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  ASSERT_EQ(inversions[0].locks.size(), 2u);
  EXPECT_EQ(inversions[0].locks[0].type, "pthread_spinlock_t");
  EXPECT_TRUE(found(finding_kind::unlock_not_owned).empty());
  pthread_spin_destroy(&a);
  pthread_spin_destroy(&b);
}

TEST_F(spin_test, SpinLockAndMutexInversionIsReported) {
  pthread_spinlock_t spin;
  pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
  std::mutex m;
  std::thread first([&] {
    std::lock_guard<std::mutex> guard(m);
    pthread_spin_lock(&spin);
    pthread_spin_unlock(&spin);
  });
  first.join();
  std::thread second([&] {
    pthread_spin_lock(&spin);
    m.lock();
    m.unlock();
    pthread_spin_unlock(&spin);
  });
  second.join();
  EXPECT_EQ(found(finding_kind::lock_order_inversion).size(), 1u);
  pthread_spin_destroy(&spin);
}

TEST_F(spin_test, TrylockOfABusySpinLockAddsNoEdge) {
  pthread_spinlock_t a;
  pthread_spinlock_t b;
  pthread_spin_init(&a, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&b, PTHREAD_PROCESS_PRIVATE);
  std::thread first([&] {
    pthread_spin_lock(&a);
    pthread_spin_lock(&b);
    pthread_spin_unlock(&b);
    pthread_spin_unlock(&a);
  });
  first.join();
  std::thread second([&] {
    pthread_spin_lock(&b);
    if (pthread_spin_trylock(&a) == 0) pthread_spin_unlock(&a);
    pthread_spin_unlock(&b);
  });
  second.join();
  EXPECT_TRUE(found_any().empty());
}

TEST_F(spin_test, SpinUnlockNotOwnedIsReported) {
  pthread_spinlock_t s;
  pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&s);
  pthread_spin_unlock(&s);
  EXPECT_TRUE(found_any().empty());
  pthread_spin_unlock(&s);
  EXPECT_EQ(found(finding_kind::unlock_not_owned).size(), 1u);
  pthread_spin_destroy(&s);
}

TEST_F(spin_test, DestroyOfALockedSpinLockIsReportedOnce) {
  pthread_spinlock_t s;
  pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
  std::thread owner([&] {
    pthread_spin_lock(&s);
    pthread_spin_destroy(&s);
  });
  owner.join();
  EXPECT_EQ(found(finding_kind::destroy_locked).size(), 1u);
  EXPECT_TRUE(found(finding_kind::thread_exit_holding_lock).empty());
}

TEST_F(spin_test, SpinLockAfterDestroyIsReported) {
  pthread_spinlock_t s;
  pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&s);
  pthread_spin_unlock(&s);
  pthread_spin_destroy(&s);
  EXPECT_TRUE(found_any().empty());
  pthread_spin_lock(&s);  // glibc's destroy does nothing: this still "works"
  pthread_spin_unlock(&s);
  auto uses = found(finding_kind::use_after_destroy);
  ASSERT_GE(uses.size(), 1u);
  EXPECT_EQ(uses[0].locks[0].type, "pthread_spinlock_t");
  // Initialized again at the same address: a new lock, no report.
  const std::size_t before = found_any().size();
  pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&s);
  pthread_spin_unlock(&s);
  pthread_spin_destroy(&s);
  EXPECT_EQ(found_any().size(), before);
}

TEST_F(spin_test, ThreadExitHoldingASpinLockIsReported) {
  static pthread_spinlock_t leaked;
  pthread_spin_init(&leaked, PTHREAD_PROCESS_PRIVATE);
  std::thread t([] { pthread_spin_lock(&leaked); });
  t.join();
  EXPECT_EQ(found(finding_kind::thread_exit_holding_lock).size(), 1u);
}

// More spin locks than the address table has slots, each destroyed at its own
// address: the table stays bounded (destroyed entries make room) and every
// spin lock is still instrumented.
TEST_F(spin_test, ManySpinLocksAtNewAddressesStayInstrumented) {
  std::vector<int> many(40000);  // pthread_spinlock_t is a volatile int
  for (int& slot : many) {
    auto* s = static_cast<pthread_spinlock_t*>(&slot);
    pthread_spin_init(s, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_lock(s);
    pthread_spin_unlock(s);
    pthread_spin_destroy(s);
  }
  pthread_spinlock_t last;
  pthread_spin_init(&last, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&last);
  pthread_spin_unlock(&last);
  pthread_spin_unlock(&last);
  EXPECT_EQ(found(finding_kind::unlock_not_owned).size(), 1u);
  EXPECT_TRUE(found(finding_kind::use_after_destroy).empty());
  pthread_spin_destroy(&last);
}

void spin_deadlock() {
  pthread_spinlock_t a;
  pthread_spinlock_t b;
  pthread_spin_init(&a, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&b, PTHREAD_PROCESS_PRIVATE);
  std::barrier both(2);
  std::thread first([&] {
    pthread_spin_lock(&a);
    both.arrive_and_wait();
    pthread_spin_lock(&b);
  });
  std::thread second([&] {
    pthread_spin_lock(&b);
    both.arrive_and_wait();
    pthread_spin_lock(&a);
  });
  first.join();
  second.join();
  std::_Exit(0);
}

TEST_F(spin_test, SpinDeadlockEndsWithExit66) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(spin_deadlock(), ::testing::ExitedWithCode(66), "deadlock");
}

void spin_self_deadlock() {
  pthread_spinlock_t s;
  pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&s);
  pthread_spin_lock(&s);
  std::_Exit(0);
}

TEST_F(spin_test, SpinRelockIsASelfDeadlock) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(spin_self_deadlock(), ::testing::ExitedWithCode(66), "self-deadlock");
}

}  // namespace
}  // namespace runtime_e2e
