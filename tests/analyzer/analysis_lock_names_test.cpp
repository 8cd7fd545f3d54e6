// The conventional lock method names (lock_names.hpp): what each name does,
// which act on every slot, and which calls count as evidence of locking.
#include <gtest/gtest.h>

#include "lock_names.hpp"

namespace {

using concheck::analyzer::detail::acts_on_all_slots;
using concheck::analyzer::detail::lock_like_call;
using concheck::analyzer::detail::lock_op;
using concheck::analyzer::detail::lock_op_of;
using concheck::analyzer::detail::unlock_like_call;

TEST(LockNames, OperationsOfConventionalNames) {
  for (const char* n :
       {"lock", "Lock", "WriterLock", "lock_writer", "wrlock", "Acquire", "lock_all", "lock_writer_all"})
    EXPECT_EQ(lock_op_of(n), lock_op::lock) << n;
  for (const char* n : {"lock_shared", "ReaderLock", "lock_reader", "rdlock", "lock_reader_all"})
    EXPECT_EQ(lock_op_of(n), lock_op::lock_shared) << n;
  for (const char* n : {"try_lock", "try_lock_for", "TryLock", "lock_try", "lock_writer_try"})
    EXPECT_EQ(lock_op_of(n), lock_op::try_lock) << n;
  for (const char* n : {"try_lock_shared", "lock_reader_try", "ReaderTryLock"})
    EXPECT_EQ(lock_op_of(n), lock_op::try_lock_shared) << n;
  for (const char* n : {"unlock", "unlock_shared", "Unlock", "Release", "unlock_all"})
    EXPECT_EQ(lock_op_of(n), lock_op::unlock) << n;
  for (const char* n : {"locked", "is_locked", "block", "release_all_buffers", "all", "_all", "acquire_slot"})
    EXPECT_EQ(lock_op_of(n), lock_op::none) << n;
}

TEST(LockNames, AllSlots) {
  EXPECT_TRUE(acts_on_all_slots("lock_all"));
  EXPECT_TRUE(acts_on_all_slots("unlock_all"));
  EXPECT_TRUE(acts_on_all_slots("lock_reader_all"));
  EXPECT_FALSE(acts_on_all_slots("lock"));
  EXPECT_FALSE(acts_on_all_slots("clear_all"));
}

TEST(LockNames, EvidenceOfLocking) {
  for (const char* n :
       {"pthread_mutex_lock", "pthread_rwlock_wrlock", "pthread_spin_lock", "__sync_lock_test_and_set",
        "__atomic_compare_exchange_n", "test_and_set", "compare_exchange_weak", "lock"})
    EXPECT_TRUE(lock_like_call(n)) << n;
  for (const char* n : {"memcpy", "push_back", "wait", "notify_one", "operator++"})
    EXPECT_FALSE(lock_like_call(n)) << n;
  EXPECT_TRUE(unlock_like_call("pthread_mutex_unlock"));
  EXPECT_TRUE(unlock_like_call("unlock"));
  EXPECT_FALSE(unlock_like_call("pthread_mutex_lock"));
}

}  // namespace
