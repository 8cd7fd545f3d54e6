// Misuse of primitives in unmodified code, fork, adopted threads, names and
// the thread dump.
#include <dlfcn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

#include "concheck/registry.hpp"
#include "runtime_core.hpp"
#include "runtime_test_support.hpp"

namespace runtime_e2e {

void run_on_unseen_thread(void (*body)(void*), void* argument) {
  // libc's own pthread_create: a thread concheck never saw start.
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  using create_fn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  auto create = reinterpret_cast<create_fn>(dlsym(libc, "pthread_create"));
  ASSERT_NE(create, nullptr);
  struct package {
    void (*body)(void*);
    void* argument;
  } pack{body, argument};
  pthread_t thread;
  ASSERT_EQ(create(
                &thread, nullptr,
                [](void* p) -> void* {
                  auto* pk = static_cast<package*>(p);
                  pk->body(pk->argument);
                  return nullptr;
                },
                &pack),
            0);
  pthread_join(thread, nullptr);
  dlclose(libc);
}

namespace {

using misuse_test = runtime_test;

TEST_F(misuse_test, UnlockNotOwned) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  EXPECT_TRUE(found_any().empty());
  pthread_mutex_unlock(&m);
  auto misuse = found(finding_kind::unlock_not_owned);
  ASSERT_EQ(misuse.size(), 1u);
  EXPECT_EQ(misuse[0].locks.size(), 1u);
}

TEST_F(misuse_test, DestroyLockedPthreadMutex) {
  pthread_mutex_t m;
  pthread_mutex_init(&m, nullptr);
  pthread_mutex_lock(&m);
  EXPECT_NE(pthread_mutex_destroy(&m), 0);  // glibc refuses (EBUSY); concheck reports
  EXPECT_EQ(found(finding_kind::destroy_locked).size(), 1u);
  pthread_mutex_unlock(&m);
  EXPECT_EQ(pthread_mutex_destroy(&m), 0);
  EXPECT_EQ(found_any().size(), 1u);
}

TEST_F(misuse_test, DeleteOfALockedStdMutex) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan owns operator delete; concheck's replacement is left out of sanitizer builds";
#endif
  std::thread owner([] {
    auto* m = new std::mutex();
    m->lock();
    delete m;  // libstdc++ never tells pthreads; concheck sees the memory freed
  });
  owner.join();
  auto destroyed = found(finding_kind::destroy_locked);
  ASSERT_EQ(destroyed.size(), 1u);
  EXPECT_NE(destroyed[0].message.find("freed"), std::string::npos);
  // The freed lock no longer counts as held: no thread-exit-holding-lock.
  EXPECT_TRUE(found(finding_kind::thread_exit_holding_lock).empty());
}

TEST_F(misuse_test, ThreadExitHoldingLock) {
  static std::mutex leaked;  // stays locked: the point of the test
  std::thread t([] { leaked.lock(); });
  t.join();
  auto exits = found(finding_kind::thread_exit_holding_lock);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].locks.size(), 1u);
}

TEST_F(misuse_test, CvWaitWithoutTheMutex) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  timespec deadline{};
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 1000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_nsec -= 1000000000;
    ++deadline.tv_sec;
  }
  pthread_cond_timedwait(&cv, &m, &deadline);  // m not held: misuse
  pthread_mutex_unlock(&m);                    // the wait returned with m locked
  EXPECT_EQ(found(finding_kind::cv_wait_unlocked).size(), 1u);
  EXPECT_TRUE(found(finding_kind::unlock_not_owned).empty());
}

TEST_F(misuse_test, OneConditionVariableWithTwoMutexes) {
  std::mutex m1;
  std::mutex m2;
  std::condition_variable cv;
  bool first_waiting = false;
  bool second_waiting = false;
  bool done = false;
  // Waiting for "the other thread is inside its wait": once we hold the
  // waiter's mutex and see its flag, it has released the mutex in wait().
  auto until_flag = [](std::mutex& m, const bool& flag) {
    for (;;) {
      std::lock_guard<std::mutex> g(m);
      if (flag) return;
    }
  };
  std::thread first([&] {
    std::unique_lock<std::mutex> lock(m1);
    first_waiting = true;
    cv.wait(lock, [&] { return done; });
  });
  until_flag(m1, first_waiting);
  std::thread second([&] {
    std::unique_lock<std::mutex> lock(m2);
    second_waiting = true;
    cv.wait(lock, [&] { return done; });
  });
  until_flag(m2, second_waiting);
  {
    std::scoped_lock both(m1, m2);
    done = true;
  }
  cv.notify_all();
  first.join();
  second.join();
  auto misuse = found(finding_kind::cv_wait_unlocked);
  ASSERT_EQ(misuse.size(), 1u);
  EXPECT_EQ(misuse[0].locks.size(), 2u);
}

TEST_F(misuse_test, ForkChildKeepsWorking) {
  std::mutex held;
  held.lock();  // held across fork by the forking thread
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    held.unlock();  // the child's copy is held by this (surviving) thread: fine
    std::mutex a;
    std::mutex b;
    std::thread first([&] {
      std::lock_guard<std::mutex> ga(a);
      std::lock_guard<std::mutex> gb(b);
    });
    first.join();
    std::thread second([&] {
      std::lock_guard<std::mutex> gb(b);
      std::lock_guard<std::mutex> ga(a);
    });
    second.join();
    const bool ok = found(finding_kind::lock_order_inversion).size() == 1 &&
                    found(finding_kind::unlock_not_owned).empty();
    _exit(ok ? 42 : 1);
  }
  held.unlock();
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
}

// A thread waits on a condition variable while another forks: the child has
// no such waiter, so it keeps no binding of that cv (one would make the
// child's own wait on it with another mutex a cv-wait-unlocked).
TEST_F(misuse_test, ForkChildHasNoConditionVariableWaiters) {
  std::mutex m;
  std::condition_variable cv;
  bool waiting = false;
  bool done = false;
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(m);
    waiting = true;
    cv.wait(lock, [&] { return done; });
  });
  for (;;) {  // holding m and seeing the flag: the waiter is inside its wait
    std::lock_guard<std::mutex> g(m);
    if (waiting) break;
  }
  EXPECT_EQ(concheck::detail::the_monitor().stats().cv_bindings, 1u);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(concheck::detail::the_monitor().stats().cv_bindings == 0 ? 42 : 1);
  {
    std::lock_guard<std::mutex> g(m);
    done = true;
  }
  cv.notify_all();
  waiter.join();
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
  EXPECT_TRUE(found(finding_kind::cv_wait_unlocked).empty());
}

struct unseen_pair {
  std::mutex* a;
  std::mutex* b;
};

TEST_F(misuse_test, ThreadCreatedBehindOurBackIsAdopted) {
  std::mutex a;
  std::mutex b;
  unseen_pair pair{&a, &b};
  run_on_unseen_thread(
      [](void* p) {
        auto* locks = static_cast<unseen_pair*>(p);
        std::lock_guard<std::mutex> ga(*locks->a);
        std::lock_guard<std::mutex> gb(*locks->b);
      },
      &pair);
  std::thread reverse([&] {
    std::lock_guard<std::mutex> gb(b);
    std::lock_guard<std::mutex> ga(a);
  });
  reverse.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  EXPECT_EQ(inversions[0].threads.size(), 2u);
}

TEST_F(misuse_test, ThreadNamesAppearInFindings) {
  std::mutex a;
  std::mutex b;
  std::thread first([&] {
    concheck::set_thread_name("ledger-writer");
    std::lock_guard<std::mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
  });
  first.join();
  std::thread second([&] {
    pthread_setname_np(pthread_self(), "auditor");
    std::lock_guard<std::mutex> gb(b);
    std::lock_guard<std::mutex> ga(a);
  });
  second.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  std::string names;
  for (const auto& t : inversions[0].threads) names += t.name + ";";
  EXPECT_NE(names.find("ledger-writer"), std::string::npos) << names;
  EXPECT_NE(names.find("auditor"), std::string::npos) << names;
}

std::string dump_to_string() {
  std::FILE* file = std::tmpfile();
  concheck::dump_threads(file);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  std::fclose(file);
  return text;
}

TEST_F(misuse_test, DumpThreadsShowsHeldLocksAndWaits) {
  std::mutex contended;
  contended.lock();
  std::thread blocked([&] {
    concheck::set_thread_name("blocked-one");
    std::lock_guard<std::mutex> g(contended);
  });
  // Poll the dump until the thread is seen waiting (it will be: it cannot
  // get the lock until we release it). One dump reads a thread's name before
  // its wait, so the pass that first sees the wait may predate the name (slow
  // passes under sanitizers do): dump once more. The name was set before the
  // wait began and the wait lasts until we unlock, so this dump has both.
  // (The lock is named after the expression its first lock site locks.)
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string first;
  while ((first = dump_to_string()).find("waits for 'contended'") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "the wait never showed in the dump:\n" << first;
    std::this_thread::yield();
  }
  const std::string dump = dump_to_string();
  EXPECT_NE(dump.find("waits for 'contended'"), std::string::npos) << dump;
  EXPECT_NE(dump.find("T0 'main'"), std::string::npos) << dump;
  EXPECT_NE(dump.find("holds 'contended'"), std::string::npos) << dump;
  EXPECT_NE(dump.find("blocked-one"), std::string::npos) << dump;
  contended.unlock();
  blocked.join();
}

}  // namespace
}  // namespace runtime_e2e
