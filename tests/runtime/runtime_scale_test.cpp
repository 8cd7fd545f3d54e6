// Memory stays bounded with millions of short-lived locks and thousands of
// threads: lock records and graph nodes of dead locks are recycled.
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lock_registry.hpp"
#include "runtime_core.hpp"
#include "runtime_test_support.hpp"
#include "thread_registry.hpp"

namespace runtime_e2e {
namespace {

using scale_test = runtime_test;

TEST_F(scale_test, MillionShortLivedHeapMutexesKeepMemoryBounded) {
  std::mutex outer;
  const std::size_t live_before = concheck::detail::g_live_locks.load();
  for (int i = 0; i < 1000000; ++i) {
    auto inner = std::make_unique<std::mutex>();
    std::lock_guard<std::mutex> go(outer);
    std::lock_guard<std::mutex> gi(*inner);  // a new order edge outer -> inner, every time
  }
  EXPECT_LE(concheck::detail::g_live_locks.load(), live_before + 2);
  const auto stats = concheck::detail::the_monitor().stats();
  EXPECT_LT(stats.graph_nodes, 10000u);
  EXPECT_LT(stats.edge_payloads, 10000u);
  EXPECT_TRUE(found_any().empty());
}

TEST_F(scale_test, ShortLivedStackMutexesAtOneAddressKeepMemoryBounded) {
  std::mutex outer;
  const std::size_t live_before = concheck::detail::g_live_locks.load();
  for (int i = 0; i < 200000; ++i) {
    std::mutex inner;  // trivially destroyed; the next one reuses the address
    std::lock_guard<std::mutex> go(outer);
    std::lock_guard<std::mutex> gi(inner);
  }
  EXPECT_LE(concheck::detail::g_live_locks.load(), live_before + 3);
  EXPECT_TRUE(found_any().empty());
}

TEST_F(scale_test, TwoThousandThreadsReuseRecords) {
  std::mutex shared;
  std::size_t records_before = 0;
  for (auto* r = concheck::detail::first_thread_record(); r != nullptr; r = r->next) ++records_before;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i) {
      threads.emplace_back([&shared] {
        std::mutex own;
        std::lock_guard<std::mutex> g1(own);
        std::lock_guard<std::mutex> g2(shared);
      });
    }
    for (auto& t : threads) t.join();
  }
  std::size_t records_after = 0;
  for (auto* r = concheck::detail::first_thread_record(); r != nullptr; r = r->next) ++records_after;
  EXPECT_LE(records_after, records_before + 60);  // at most one batch alive at once
  EXPECT_TRUE(found_any().empty());
}

}  // namespace
}  // namespace runtime_e2e
