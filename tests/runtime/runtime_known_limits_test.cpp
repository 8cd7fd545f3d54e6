// Known-hard cases that stay documented differences (issue 9; docs/design.md
// "Known differences"): these tests pin today's behaviour, so a change to it
// is a deliberate one that updates the docs with it.
#include <pthread.h>

#include <cerrno>
#include <thread>

#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

using known_limits_test = runtime_test;

// A cycle of read locks deadlocks only if readers queue behind a waiting
// writer (a writer-preferring rwlock with writers in the cycle's gaps).
// concheck judges modes, not policies: shared against shared never conflicts,
// so this cycle is not reported, even on a writer-preferring lock.
TEST_F(known_limits_test, ReadReadCycleOnWriterPreferringRwlocksIsNotReported) {
  pthread_rwlockattr_t attributes;
  pthread_rwlockattr_init(&attributes);
  pthread_rwlockattr_setkind_np(&attributes, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_t a;
  pthread_rwlock_t b;
  pthread_rwlock_init(&a, &attributes);
  pthread_rwlock_init(&b, &attributes);
  pthread_rwlockattr_destroy(&attributes);
  std::thread first([&] {
    pthread_rwlock_rdlock(&a);
    pthread_rwlock_rdlock(&b);
    pthread_rwlock_unlock(&b);
    pthread_rwlock_unlock(&a);
  });
  first.join();
  std::thread second([&] {
    pthread_rwlock_rdlock(&b);
    pthread_rwlock_rdlock(&a);
    pthread_rwlock_unlock(&a);
    pthread_rwlock_unlock(&b);
  });
  second.join();
  EXPECT_TRUE(found_any().empty());
  pthread_rwlock_destroy(&a);
  pthread_rwlock_destroy(&b);
}

// A thread holding the write lock that asks for the read lock would wait for
// itself; glibc notices and fails the call with EDEADLK, and the program sees
// the error, so concheck reports nothing (asking for the write lock while
// holding the read lock is a self-deadlock glibc does not catch: reported).
TEST_F(known_limits_test, ReadLockWhileHoldingTheWriteLockFailsWithEdeadlkUnreported) {
  pthread_rwlock_t rw;
  pthread_rwlock_init(&rw, nullptr);
  ASSERT_EQ(pthread_rwlock_wrlock(&rw), 0);
  EXPECT_EQ(pthread_rwlock_rdlock(&rw), EDEADLK);
  EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
  EXPECT_TRUE(found_any().empty());
  pthread_rwlock_destroy(&rw);
}

}  // namespace
}  // namespace runtime_e2e
