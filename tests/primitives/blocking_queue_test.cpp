// concheck::blocking_queue: FIFO/LIFO/priority order, capacity, timeouts,
// close(), task_done()/join(), move-only items, producer/consumer threads.
#include <gtest/gtest.h>

#include <chrono>
#include <concheck/concheck.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;

template <class Queue>
std::vector<int> drain(Queue& queue) {
  std::vector<int> out;
  while (auto item = queue.try_get()) out.push_back(*item);
  return out;
}

TEST(BlockingQueue, Orders) {
  concheck::blocking_queue<int> fifo("fifo");
  concheck::blocking_queue<int, concheck::queue_order::lifo> lifo(0, "lifo");
  concheck::blocking_queue<int, concheck::queue_order::priority> greatest(0, "greatest");
  concheck::blocking_queue<int, concheck::queue_order::priority, std::greater<int>> smallest(0, "smallest");
  for (int value : {3, 1, 4, 1, 5}) {
    fifo.put(value);
    lifo.put(value);
    greatest.put(value);
    smallest.put(value);
  }
  EXPECT_EQ(drain(fifo), (std::vector<int>{3, 1, 4, 1, 5}));
  EXPECT_EQ(drain(lifo), (std::vector<int>{5, 1, 4, 1, 3}));
  EXPECT_EQ(drain(greatest), (std::vector<int>{5, 4, 3, 1, 1}));
  EXPECT_EQ(drain(smallest), (std::vector<int>{1, 1, 3, 4, 5}));
}

TEST(BlockingQueue, CapacityAndTimeouts) {
  concheck::blocking_queue<int> queue(2, "bounded");
  EXPECT_EQ(queue.capacity(), 2u);
  EXPECT_TRUE(queue.try_put(1));
  EXPECT_TRUE(queue.put_for(2, 1h));
  EXPECT_TRUE(queue.full());
  EXPECT_FALSE(queue.try_put(3));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.put_for(3, 20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_FALSE(queue.put_until(3, std::chrono::system_clock::now() + 5ms));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.get(), 1);
  EXPECT_EQ(queue.get_for(1h), std::optional<int>(2));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.get_for(10ms), std::nullopt);
  EXPECT_EQ(queue.try_get(), std::nullopt);
}

TEST(BlockingQueue, FailedTryPutLeavesAMoveOnlyItemAlone) {
  concheck::blocking_queue<std::unique_ptr<int>> queue(1, "owned");
  queue.put(std::make_unique<int>(1));
  auto item = std::make_unique<int>(2);
  EXPECT_FALSE(queue.try_put(std::move(item)));
  ASSERT_NE(item, nullptr);
  EXPECT_FALSE(queue.put_for(std::move(item), 1ms));
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(*queue.get(), 1);
  EXPECT_TRUE(queue.try_put(std::move(item)));
  EXPECT_EQ(*queue.get(), 2);
}

TEST(BlockingQueue, ProducersAndConsumersWithJoin) {
  concheck::blocking_queue<int> jobs(4, "jobs");
  long sum = 0;
  concheck::mutex sum_lock("sum");
  auto consumer = [&] {
    for (;;) {
      int job = 0;
      try {
        job = jobs.get();
      } catch (const concheck::queue_closed&) {
        return;
      }
      {
        std::lock_guard<concheck::mutex> guard(sum_lock);
        sum += job;
      }
      jobs.task_done();
    }
  };
  concheck::thread one(concheck::thread_name("consumer-1"), consumer);
  concheck::thread two(concheck::thread_name("consumer-2"), consumer);
  for (int i = 1; i <= 100; ++i) jobs.put(i);  // blocks while 4 are pending
  jobs.join();                                 // every job processed
  {
    std::lock_guard<concheck::mutex> guard(sum_lock);
    EXPECT_EQ(sum, 5050);
  }
  jobs.close();
  one.join();
  two.join();
  EXPECT_THROW(jobs.task_done(), std::system_error);  // more task_done() than puts
}

TEST(BlockingQueue, CloseWakesBlockedProducersAndDrainsForConsumers) {
  concheck::blocking_queue<std::string> queue(1, "closing");
  queue.put("left over");
  bool producer_saw_close = false;
  concheck::thread producer([&] {
    try {
      queue.put("blocked");  // full: blocks until close()
    } catch (const concheck::queue_closed&) {
      producer_saw_close = true;
    }
  });
  queue.close();
  producer.join();
  EXPECT_TRUE(producer_saw_close);
  EXPECT_TRUE(queue.is_closed());
  EXPECT_FALSE(queue.try_put("late"));
  EXPECT_THROW(queue.put("late"), concheck::queue_closed);
  EXPECT_EQ(queue.get(), "left over");  // remaining items still come out
  EXPECT_THROW(queue.get(), concheck::queue_closed);
  EXPECT_EQ(queue.get_for(1h), std::nullopt);  // closed and empty: no wait
}

}  // namespace
