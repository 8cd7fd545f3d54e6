// Lock lifetimes (issue 9, items 4, 5, 7 and 8): a lock used after it was
// destroyed or its memory freed (`use-after-destroy`), free() of memory that
// holds a locked mutex, a copied pthread_mutex_t (a new lock, not the
// original), and one report per fault (no `thread-exit-holding-lock` after a
// `destroy-locked` of the same lock, no `destroy-locked` naming no holder
// after a bogus unlock already reported the broken state). The ends of the
// main thread are checked in runtime_process_test.cpp (they need a process
// that ends).
#include <pthread.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

using lifetime_test = runtime_test;

// The lock sits past the bytes malloc's free lists write into a freed block
// (glibc: the first 16), so the freed lock's own state stays readable, as in
// the usual dangling-pointer bug: the test can lock it without hanging.
struct padded_mutex {
  char padding[64];
  pthread_mutex_t lock;
};

struct padded_std_mutex {
  char padding[64];
  std::mutex lock;
};

TEST_F(lifetime_test, LockAfterPthreadMutexDestroyIsReported) {
  pthread_mutex_t m;
  pthread_mutex_init(&m, nullptr);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  ASSERT_EQ(pthread_mutex_destroy(&m), 0);
  EXPECT_TRUE(found_any().empty());
  // glibc marks a destroyed mutex invalid: the lock fails, concheck reports.
  EXPECT_NE(pthread_mutex_lock(&m), 0);
  auto uses = found(finding_kind::use_after_destroy);
  ASSERT_EQ(uses.size(), 1u);
  ASSERT_EQ(uses[0].locks.size(), 1u);
  EXPECT_EQ(uses[0].locks[0].address, reinterpret_cast<std::uintptr_t>(&m));
  EXPECT_NE(uses[0].message.find("destroyed"), std::string::npos) << uses[0].message;
  // Initialized again, it is a new lock: no report.
  const std::size_t before = found_any().size();
  pthread_mutex_init(&m, nullptr);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_destroy(&m);
  EXPECT_EQ(found_any().size(), before);
}

TEST_F(lifetime_test, LockAfterRwlockDestroyIsReported) {
  pthread_rwlock_t rw;
  pthread_rwlock_init(&rw, nullptr);
  pthread_rwlock_wrlock(&rw);
  pthread_rwlock_unlock(&rw);
  ASSERT_EQ(pthread_rwlock_destroy(&rw), 0);
  pthread_rwlock_rdlock(&rw);  // glibc's destroy does nothing: this "works"
  pthread_rwlock_unlock(&rw);
  auto uses = found(finding_kind::use_after_destroy);
  ASSERT_GE(uses.size(), 1u);
  EXPECT_EQ(uses[0].locks[0].address, reinterpret_cast<std::uintptr_t>(&rw));
  EXPECT_TRUE(found(finding_kind::unlock_not_owned).empty());
}

// A pthread mutex that was initialized, used and then freed with its block
// (a C struct released without pthread_mutex_destroy). Returns the block's
// former address; the compiler is kept from reasoning about the freed memory.
padded_mutex* used_then_freed() {
  auto* block = static_cast<padded_mutex*>(std::malloc(sizeof(padded_mutex)));
  if (block == nullptr) std::abort();
  pthread_mutex_init(&block->lock, nullptr);
  pthread_mutex_lock(&block->lock);
  pthread_mutex_unlock(&block->lock);
  padded_mutex* former = block;
  asm volatile("" : "+r"(former));  // the compiler must not tie it to the freed block
  std::free(block);
  return former;
}

TEST_F(lifetime_test, LockAfterFreeIsReported) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns free(); concheck's replacement is left out of sanitizer builds";
#endif
  padded_mutex* block = used_then_freed();
  EXPECT_TRUE(found_any().empty());
  pthread_mutex_t* dangling = &block->lock;
  if (pthread_mutex_trylock(dangling) == 0) pthread_mutex_unlock(dangling);
  auto uses = found(finding_kind::use_after_destroy);
  ASSERT_GE(uses.size(), 1u);
  EXPECT_NE(uses[0].message.find("freed"), std::string::npos) << uses[0].message;
}

// What reuses a freed block may write over the lock's bytes (here: its lock
// word, so glibc's trylock would say EBUSY and its lock would hang); the use
// is reported and the calls fail with EINVAL, as for a destroyed mutex,
// without handing the bytes to glibc.
TEST_F(lifetime_test, FreedMutexIsNotHandedToGlibc) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns free(); concheck's replacement is left out of sanitizer builds";
#endif
  padded_mutex* block = used_then_freed();
  pthread_mutex_t* dangling = &block->lock;
  dangling->__data.__lock = 1;                         // a reuse's bytes
  ASSERT_EQ(pthread_mutex_trylock(dangling), EINVAL);  // else the lock below would hang
  EXPECT_EQ(pthread_mutex_lock(dangling), EINVAL);
  EXPECT_EQ(pthread_mutex_unlock(dangling), EINVAL);
  EXPECT_GE(found(finding_kind::use_after_destroy).size(), 1u);
}

// A small block that held a lock is quarantined: the next allocation of its
// size (which glibc's per-thread cache would serve with this very block) gets
// other memory, so the dangling lock keeps its "freed" stamp and its use is
// still reported, however much the program (or concheck's report) allocates.
TEST_F(lifetime_test, FreedLockBlockIsNotReusedAtOnce) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns free(); concheck's replacement is left out of sanitizer builds";
#endif
  padded_mutex* block = used_then_freed();
  void* again = std::malloc(sizeof(padded_mutex));
  EXPECT_NE(again, static_cast<void*>(block));
  std::memset(again, 0xab, sizeof(padded_mutex));
  pthread_mutex_t* dangling = &block->lock;
  asm volatile("" : "+r"(dangling));
  EXPECT_EQ(pthread_mutex_trylock(dangling), EINVAL);
  EXPECT_GE(found(finding_kind::use_after_destroy).size(), 1u);
  std::free(again);
  // A block without a lock is freed at once, as before.
  void* plain = std::malloc(sizeof(padded_mutex));
  std::free(plain);
  void* reused = std::malloc(sizeof(padded_mutex));
  EXPECT_EQ(reused, plain);
  std::free(reused);
}

TEST_F(lifetime_test, LockAfterDeleteIsReported) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns operator delete; concheck's replacement is left out of sanitizer builds";
#endif
  auto* block = new padded_std_mutex();
  block->lock.lock();
  block->lock.unlock();
  delete block;
  std::mutex* dangling = &block->lock;
  asm volatile("" : "+r"(dangling));
  if (dangling->try_lock()) dangling->unlock();
  auto uses = found(finding_kind::use_after_destroy);
  ASSERT_GE(uses.size(), 1u);
  EXPECT_NE(uses[0].message.find("freed"), std::string::npos) << uses[0].message;
}

TEST_F(lifetime_test, FreeOfALockedPthreadMutexIsReported) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns free(); concheck's replacement is left out of sanitizer builds";
#endif
  std::thread owner([] {
    auto* block = static_cast<padded_mutex*>(std::malloc(sizeof(padded_mutex)));
    pthread_mutex_init(&block->lock, nullptr);
    pthread_mutex_lock(&block->lock);
    std::free(block);  // C code: no destructor, no pthread_mutex_destroy
  });
  owner.join();
  auto destroyed = found(finding_kind::destroy_locked);
  ASSERT_EQ(destroyed.size(), 1u);
  EXPECT_NE(destroyed[0].message.find("freed"), std::string::npos);
  // The freed lock no longer counts as held: one fault, one report.
  EXPECT_TRUE(found(finding_kind::thread_exit_holding_lock).empty());
}

// A block far larger than the lock records is checked by walking the
// records, not by reading the block: the locked mutex deep inside it is still
// found, an unlocked one there still ends (a later use is use-after-destroy).
TEST_F(lifetime_test, FreeOfALargeBlockEndsTheLocksInside) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns free(); concheck's replacement is left out of sanitizer builds";
#endif
  constexpr std::size_t kBlock = std::size_t{32} << 20;  // 4M words: more than any test's lock records
  std::thread owner([] {
    auto* block = static_cast<unsigned char*>(std::malloc(kBlock));
    auto* deep = reinterpret_cast<pthread_mutex_t*>(block + (kBlock / 2));
    auto* last = reinterpret_cast<pthread_mutex_t*>(block + kBlock - 64);
    pthread_mutex_init(deep, nullptr);
    pthread_mutex_init(last, nullptr);
    pthread_mutex_lock(last);
    pthread_mutex_unlock(last);
    pthread_mutex_lock(deep);
    std::free(block);
  });
  owner.join();
  auto destroyed = found(finding_kind::destroy_locked);
  ASSERT_EQ(destroyed.size(), 1u);
  EXPECT_NE(destroyed[0].message.find("freed"), std::string::npos);
  EXPECT_TRUE(found(finding_kind::thread_exit_holding_lock).empty());
}

// A struct copied after its mutex was used carries the original's bytes,
// stamp included; the copy is another lock (issue 9, item 7).
struct account {
  pthread_mutex_t m;
  long balance;
};

void lock_original_then_copy() {
  account a{};
  pthread_mutex_init(&a.m, nullptr);
  pthread_mutex_lock(&a.m);
  pthread_mutex_unlock(&a.m);
  account b = a;
  pthread_mutex_lock(&a.m);
  pthread_mutex_lock(&b.m);  // was taken for a.m again: a false self-deadlock, exit 66
  pthread_mutex_unlock(&b.m);
  pthread_mutex_unlock(&a.m);
  std::_Exit(0);
}

TEST_F(lifetime_test, CopiedPthreadMutexIsANewLock) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(lock_original_then_copy(), ::testing::ExitedWithCode(0), "");
}

TEST_F(lifetime_test, CopiedPthreadMutexOrdersAsItsOwnLock) {
  account a{};
  pthread_mutex_init(&a.m, nullptr);
  pthread_mutex_lock(&a.m);
  pthread_mutex_unlock(&a.m);
  account b = a;
  std::thread first([&] {
    pthread_mutex_lock(&a.m);
    pthread_mutex_lock(&b.m);
    pthread_mutex_unlock(&b.m);
    pthread_mutex_unlock(&a.m);
  });
  first.join();
  std::thread second([&] {
    pthread_mutex_lock(&b.m);
    pthread_mutex_lock(&a.m);
    pthread_mutex_unlock(&a.m);
    pthread_mutex_unlock(&b.m);
  });
  second.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  EXPECT_EQ(inversions[0].locks.size(), 2u);
  EXPECT_TRUE(found(finding_kind::self_deadlock).empty());
}

TEST_F(lifetime_test, DestroyLockedRwlockThenThreadEndIsOneReport) {
  pthread_rwlock_t rw;
  pthread_rwlock_init(&rw, nullptr);
  std::thread owner([&] {
    pthread_rwlock_wrlock(&rw);
    pthread_rwlock_destroy(&rw);  // glibc does not refuse: the lock is gone
  });
  owner.join();
  EXPECT_EQ(found(finding_kind::destroy_locked).size(), 1u);
  EXPECT_TRUE(found(finding_kind::thread_exit_holding_lock).empty());
  EXPECT_EQ(found_any().size(), 1u);
}

TEST_F(lifetime_test, DestroyLockedMutexThenThreadEndIsOneReport) {
  pthread_mutex_t m;
  pthread_mutex_init(&m, nullptr);
  std::thread owner([&] {
    pthread_mutex_lock(&m);
    EXPECT_EQ(pthread_mutex_destroy(&m), EBUSY);  // glibc refuses; the fault is reported once
  });
  owner.join();
  EXPECT_EQ(found(finding_kind::destroy_locked).size(), 1u);
  EXPECT_TRUE(found(finding_kind::thread_exit_holding_lock).empty());
  EXPECT_EQ(found_any().size(), 1u);
}

TEST_F(lifetime_test, BogusRwlockUnlockThenDestroyIsOneReport) {
  pthread_rwlock_t rw;
  pthread_rwlock_init(&rw, nullptr);
  pthread_rwlock_rdlock(&rw);
  pthread_rwlock_unlock(&rw);
  pthread_rwlock_unlock(&rw);  // not held: reported; glibc's reader count is now off
  EXPECT_EQ(found(finding_kind::unlock_not_owned).size(), 1u);
  pthread_rwlock_destroy(&rw);
  EXPECT_TRUE(found(finding_kind::destroy_locked).empty());
  EXPECT_EQ(found_any().size(), 1u);
}

TEST_F(lifetime_test, DestroyLockedStillReportedWhenTheHolderIsKnown) {
  // The suppression above is only for a lock nobody is known to hold.
  pthread_rwlock_t rw;
  pthread_rwlock_init(&rw, nullptr);
  pthread_rwlock_rdlock(&rw);
  pthread_rwlock_destroy(&rw);
  auto destroyed = found(finding_kind::destroy_locked);
  ASSERT_EQ(destroyed.size(), 1u);
  EXPECT_FALSE(destroyed[0].states.empty());
}

}  // namespace
}  // namespace runtime_e2e
