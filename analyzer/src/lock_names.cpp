#include "lock_names.hpp"

#include <string_view>

namespace concheck::analyzer::detail {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// `name` without a trailing "_all" (slotted locks: lock_all, lock_reader_all).
std::string_view without_all(std::string_view name) {
  if (name.size() > 4 && name.substr(name.size() - 4) == "_all") name.remove_suffix(4);
  return name;
}

}  // namespace

lock_op lock_op_of(const std::string& full) {
  std::string_view name = without_all(full);
  if (one_of(name, {"lock", "Lock", "WriterLock", "lock_writer", "wrlock", "Acquire", "lock_exclusive"}))
    return lock_op::lock;
  if (one_of(name, {"lock_shared", "ReaderLock", "lock_reader", "rdlock", "AcquireShared", "ReadLock"}))
    return lock_op::lock_shared;
  if (starts_with(name, "try_lock_shared") ||
      one_of(name, {"ReaderTryLock", "lock_reader_try", "tryrdlock", "TryAcquireShared"}))
    return lock_op::try_lock_shared;
  if (starts_with(name, "try_lock") ||
      one_of(name, {"TryLock", "WriterTryLock", "lock_try", "lock_writer_try", "trywrlock", "TryAcquire"}))
    return lock_op::try_lock;
  if (one_of(name, {"unlock", "unlock_shared", "Unlock", "ReaderUnlock", "WriterUnlock", "unlock_reader",
                    "unlock_writer", "Release", "ReleaseShared", "ReadUnlock"})) {
    return lock_op::unlock;
  }
  return lock_op::none;
}

bool acts_on_all_slots(const std::string& name) {
  return without_all(name).size() != name.size() && lock_op_of(name) != lock_op::none;
}

bool lock_like_call(const std::string& name) {
  if (lock_op_of(name) != lock_op::none) return true;
  std::string_view n = name;
  if (starts_with(n, "pthread_") && n.find("lock") != std::string_view::npos) return true;
  return starts_with(n, "__sync_") || starts_with(n, "__atomic_") || starts_with(n, "compare_exchange") ||
         one_of(n, {"test_and_set", "exchange", "EnterCriticalSection", "AcquireSRWLockExclusive",
                    "AcquireSRWLockShared", "InterlockedCompareExchange"});
}

bool unlock_like_call(const std::string& name) {
  if (lock_op_of(name) == lock_op::unlock) return true;
  return one_of(name, {"pthread_mutex_unlock", "pthread_rwlock_unlock", "pthread_spin_unlock",
                       "LeaveCriticalSection", "ReleaseSRWLockExclusive", "ReleaseSRWLockShared"});
}

}  // namespace concheck::analyzer::detail
