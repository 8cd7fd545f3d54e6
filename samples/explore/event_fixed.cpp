// Explore lesson 4, fixed: concheck::event raises its flag and notifies under
// its mutex, so a waiter is either before its check (and sees the flag up)
// or already waiting (and is woken): no wakeup can fall in between. Writing
// it by hand works too: set the flag while holding the mutex the waiters
// check it under, and wait with a predicate.
#include <concheck/concheck.hpp>
#include <mutex>
#include <stdexcept>

#include "explore_sample.hpp"

int main() {
  return samples::explore_sample("event_fixed", [] {
    concheck::event start("start");
    int released = 0;
    concheck::mutex count_guard("released");
    const auto worker = [&] {
      start.wait();
      std::lock_guard<concheck::mutex> lock(count_guard);
      ++released;
    };
    concheck::thread worker_one(concheck::thread_name("worker-1"), worker);
    concheck::thread worker_two(concheck::thread_name("worker-2"), worker);
    start.set();
    worker_one.join();
    worker_two.join();
    if (released != 2) throw std::logic_error("not every worker was released");
  });
}
