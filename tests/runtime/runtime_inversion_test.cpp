// Lock-order inversions in unmodified std:: code: the hard cases of
// docs/design.md ("Hard cases") that must be reported, and those that must stay clean.
#include <array>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "concheck/mutex.hpp"
#include "concheck/thread.hpp"
#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

using inversion_test = runtime_test;

TEST_F(inversion_test, SequentialAbBaIsReportedWithoutDeadlocking) {
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
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  const finding& f = inversions[0];
  ASSERT_EQ(f.cycle.size(), 2u);
  EXPECT_EQ(f.cycle[0].to, f.cycle[1].from);
  EXPECT_EQ(f.cycle[1].to, f.cycle[0].from);
  EXPECT_NE(f.cycle[0].thread, f.cycle[1].thread);
  ASSERT_EQ(f.locks.size(), 2u);
  EXPECT_EQ(f.locks[0].type, "std::mutex");  // read from the first-use stack
  EXPECT_EQ(f.threads.size(), 2u);
  EXPECT_FALSE(f.cycle[0].acquired.empty());
  EXPECT_NE(f.cycle[0].acquired.file.find("runtime_inversion_test.cpp"), std::string::npos)
      << "the acquiring site is the user's line, got " << f.cycle[0].acquired.file;
  // Both threads are described with their creation sites even though they ended.
  for (const auto& thread : f.threads) EXPECT_FALSE(thread.created.empty()) << "T" << thread.id;
}

TEST_F(inversion_test, TryLockInversionIsClean) {
  std::mutex a;
  std::mutex b;
  std::thread first([&] {
    std::lock_guard<std::mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
  });
  first.join();
  std::thread second([&] {
    std::lock_guard<std::mutex> gb(b);
    if (a.try_lock()) a.unlock();
  });
  second.join();
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
}

TEST_F(inversion_test, TimedLockInversionIsClean) {
  std::timed_mutex a;
  std::mutex b;
  std::thread first([&] {
    std::lock_guard<std::timed_mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
  });
  first.join();
  std::thread second([&] {
    std::lock_guard<std::mutex> gb(b);
    if (a.try_lock_for(std::chrono::milliseconds(1))) a.unlock();
  });
  second.join();
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
}

TEST_F(inversion_test, ScopedLockInBothOrdersIsClean) {
  std::mutex a;
  std::mutex b;
  for (int round = 0; round < 50; ++round) {
    std::thread first([&] { std::scoped_lock both(a, b); });
    std::thread second([&] { std::scoped_lock both(b, a); });
    first.join();
    second.join();
  }
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
}

TEST_F(inversion_test, GateLockedCycleIsClean) {
  std::mutex gate;
  std::mutex a;
  std::mutex b;
  std::thread first([&] {
    std::lock_guard<std::mutex> g(gate);
    std::lock_guard<std::mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
  });
  first.join();
  std::thread second([&] {
    std::lock_guard<std::mutex> g(gate);
    std::lock_guard<std::mutex> gb(b);
    std::lock_guard<std::mutex> ga(a);
  });
  second.join();
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
}

TEST_F(inversion_test, ReaderReaderCycleIsClean) {
  std::shared_mutex a;
  std::shared_mutex b;
  std::thread first([&] {
    std::shared_lock<std::shared_mutex> ga(a);
    std::shared_lock<std::shared_mutex> gb(b);
  });
  first.join();
  std::thread second([&] {
    std::shared_lock<std::shared_mutex> gb(b);
    std::shared_lock<std::shared_mutex> ga(a);
  });
  second.join();
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
}

TEST_F(inversion_test, ReaderWriterCycleIsReported) {
  std::shared_mutex a;
  std::shared_mutex b;
  std::thread first([&] {
    std::shared_lock<std::shared_mutex> ga(a);
    std::unique_lock<std::shared_mutex> gb(b);
  });
  first.join();
  std::thread second([&] {
    std::shared_lock<std::shared_mutex> gb(b);
    std::unique_lock<std::shared_mutex> ga(a);
  });
  second.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  EXPECT_EQ(inversions[0].cycle.size(), 2u);
  EXPECT_TRUE(inversions[0].cycle[0].from_shared);
  EXPECT_FALSE(inversions[0].cycle[0].to_shared);
  ASSERT_FALSE(inversions[0].locks.empty());
  EXPECT_EQ(inversions[0].locks[0].type, "std::shared_mutex");
}

TEST_F(inversion_test, TwoMutexesAtOneAddressDoNotMerge) {
  std::mutex other;
  alignas(std::mutex) unsigned char storage[sizeof(std::mutex)];
  auto* first = new (storage) std::mutex();
  {
    std::lock_guard<std::mutex> g1(*first);
    std::lock_guard<std::mutex> g2(other);
  }
  first->~mutex();
  auto* second = new (storage) std::mutex();  // a new lock at the same address
  {
    std::lock_guard<std::mutex> g1(other);
    std::lock_guard<std::mutex> g2(*second);
  }
  second->~mutex();
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
}

TEST_F(inversion_test, FreedAndReallocatedMutexIsANewLock) {
  std::mutex other;
  for (int round = 0; round < 2; ++round) {
    auto m = std::make_unique<std::mutex>();
    if (round == 0) {
      std::lock_guard<std::mutex> g1(*m);
      std::lock_guard<std::mutex> g2(other);
    } else {
      std::lock_guard<std::mutex> g1(other);
      std::lock_guard<std::mutex> g2(*m);
    }
  }
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
}

TEST_F(inversion_test, FortyLockCycleIsReportedWhole) {
  constexpr std::size_t kLocks = 40;
  std::array<std::mutex, kLocks> locks;
  for (std::size_t i = 0; i + 1 < kLocks; ++i) {
    std::thread step([&locks, i] {
      std::lock_guard<std::mutex> first(locks[i]);
      std::lock_guard<std::mutex> second(locks[i + 1]);
    });
    step.join();
  }
  std::thread closing([&locks] {
    std::lock_guard<std::mutex> first(locks[kLocks - 1]);
    std::lock_guard<std::mutex> second(locks[0]);
  });
  closing.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  EXPECT_EQ(inversions[0].cycle.size(), kLocks);
  EXPECT_EQ(inversions[0].locks.size(), kLocks);
}

TEST_F(inversion_test, TwoHundredHeldLocks) {
  constexpr std::size_t kLocks = 200;
  std::vector<std::mutex> locks(kLocks);
  for (auto& m : locks) m.lock();
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) it->unlock();
  EXPECT_TRUE(found(finding_kind::lock_order_inversion).empty());
  std::thread reverse([&] {
    std::lock_guard<std::mutex> last(locks[kLocks - 1]);
    std::lock_guard<std::mutex> first(locks[0]);
  });
  reverse.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  EXPECT_EQ(inversions[0].cycle.size(), 2u);
}

TEST_F(inversion_test, InversionRememberedAfterTwentyThousandOtherMutexes) {
  std::mutex a;
  std::mutex b;
  {
    std::lock_guard<std::mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
  }
  std::mutex outer;
  for (int i = 0; i < 20000; ++i) {
    auto inner = std::make_unique<std::mutex>();
    std::lock_guard<std::mutex> go(outer);
    std::lock_guard<std::mutex> gi(*inner);
  }
  std::thread reverse([&] {
    std::lock_guard<std::mutex> gb(b);
    std::lock_guard<std::mutex> ga(a);
  });
  reverse.join();
  EXPECT_EQ(found(finding_kind::lock_order_inversion).size(), 1u);
}

TEST_F(inversion_test, RecursiveMutexIsNoSelfDeadlock) {
  std::recursive_mutex m;
  m.lock();
  m.lock();
  m.unlock();
  m.unlock();
  EXPECT_TRUE(found_any().empty());
}

TEST_F(inversion_test, ConcheckPrimitivesGiveNamesTypesAndSites) {
  concheck::mutex accounts("accounts");
  concheck::mutex audit("audit");
  concheck::thread first(concheck::thread_name("teller"), [&] {
    std::lock_guard<concheck::mutex> ga(accounts);
    std::lock_guard<concheck::mutex> gb(audit);
  });
  first.join();
  concheck::thread second(concheck::thread_name("auditor"), [&] {
    std::lock_guard<concheck::mutex> gb(audit);
    std::lock_guard<concheck::mutex> ga(accounts);
  });
  second.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  std::string locks;
  for (const auto& lock : inversions[0].locks) {
    locks += lock.name + ":" + lock.type + ";";
    EXPECT_NE(lock.created.file.find("runtime_inversion_test.cpp"), std::string::npos) << lock.created.file;
  }
  EXPECT_NE(locks.find("accounts:concheck::mutex"), std::string::npos) << locks;
  EXPECT_NE(locks.find("audit:concheck::mutex"), std::string::npos) << locks;
  std::string threads;
  for (const auto& thread : inversions[0].threads) {
    threads += thread.name + ";";
    EXPECT_NE(thread.created.file.find("runtime_inversion_test.cpp"), std::string::npos)
        << thread.created.file;
  }
  EXPECT_NE(threads.find("teller"), std::string::npos) << threads;
  EXPECT_NE(threads.find("auditor"), std::string::npos) << threads;
}

}  // namespace
}  // namespace runtime_e2e
