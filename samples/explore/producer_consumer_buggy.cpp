// Explore lesson 2, buggy: `if` instead of `while` around a condition wait.
// A consumer that finds the queue empty waits once and then pops, assuming
// the wakeup means an item is there for it. With two consumers it is not so:
// the producer pushes an item and wakes the waiting consumer, but the other
// consumer takes the queue's lock first and pops that item; the woken one
// then pops from an empty std::deque (undefined behaviour; here a check
// catches it). The wakeup only said "the queue changed": the condition has
// to be checked again after every wait, which is what a `while` (or the
// predicate overload of wait) does.
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

  // The item at the front, or -1 (and a note of the violation) when the
  // queue is empty after the wait.
  int pop() {
    std::unique_lock<concheck::mutex> lock(guard_);
    if (items_.empty()) not_empty_.wait(lock);  // the bug: `if`, not `while`
    if (items_.empty()) {
      violation_ = "a consumer woke to an empty queue";
      return -1;
    }
    const int item = items_.front();
    items_.pop_front();
    return item;
  }

  std::string violation() {
    std::lock_guard<concheck::mutex> lock(guard_);
    return violation_;
  }

 private:
  concheck::mutex guard_{"queue"};
  concheck::condition_variable not_empty_{"not_empty"};
  std::deque<int> items_;
  std::string violation_;
};

}  // namespace

int main() {
  return samples::explore_sample("producer_consumer_buggy", [] {
    work_queue queue;
    concheck::thread consumer_one(concheck::thread_name("consumer-1"), [&] { queue.pop(); });
    concheck::thread consumer_two(concheck::thread_name("consumer-2"), [&] { queue.pop(); });
    concheck::thread producer(concheck::thread_name("producer"), [&] {
      queue.push(1);
      queue.push(2);
    });
    producer.join();
    consumer_one.join();
    consumer_two.join();
    if (const std::string violation = queue.violation(); !violation.empty())
      throw std::logic_error(violation);
  });
}
