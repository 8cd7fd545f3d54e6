// Explore lesson 2, fixed: the consumer waits with a predicate, which is
// `while (items_.empty()) wait(lock)`: after every wakeup it checks the
// queue again and waits again if another consumer took the item. (A waiter
// can also wake spuriously, with nothing changed: the loop covers that too.)
// Every schedule explore mode tries gives each consumer one item.
#include <concheck/concheck.hpp>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>

#include "explore_sample.hpp"

namespace {

class work_queue {
 public:
  void push(int item) {
    std::lock_guard<concheck::mutex> lock(guard_);
    items_.push_back(item);
    not_empty_.notify_one();
  }

  int pop() {
    std::unique_lock<concheck::mutex> lock(guard_);
    not_empty_.wait(lock, [this] { return !items_.empty(); });
    const int item = items_.front();
    items_.pop_front();
    return item;
  }

 private:
  concheck::mutex guard_{"queue"};
  concheck::condition_variable not_empty_{"not_empty"};
  std::deque<int> items_;
};

}  // namespace

int main() {
  return samples::explore_sample("producer_consumer_fixed", [] {
    work_queue queue;
    int first = 0;
    int second = 0;
    concheck::thread consumer_one(concheck::thread_name("consumer-1"), [&] { first = queue.pop(); });
    concheck::thread consumer_two(concheck::thread_name("consumer-2"), [&] { second = queue.pop(); });
    concheck::thread producer(concheck::thread_name("producer"), [&] {
      queue.push(1);
      queue.push(2);
    });
    producer.join();
    consumer_one.join();
    consumer_two.join();
    if (first + second != 3)
      throw std::logic_error("the consumers got " + std::to_string(first) + " and " + std::to_string(second) +
                             ", not 1 and 2");
  });
}
