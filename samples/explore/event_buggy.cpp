// Explore lesson 4, buggy: a home-made event whose set() raises the flag and
// notifies without taking the event's mutex. The waiter's predicate is right
// (it checks the flag under the mutex), but a check and the wait that
// follows it are only atomic against threads that take the same mutex: the
// starter can raise the flag and notify between the waiter's check (flag
// down) and its wait. The notify wakes nobody, the waiter sleeps forever:
// a lost wakeup. Explore mode reports it as a `deadlock` naming who waits
// for what.
#include <atomic>
#include <concheck/concheck.hpp>
#include <mutex>
#include <stdexcept>

#include "explore_sample.hpp"

namespace {

class home_made_event {
 public:
  void set() {
    flag_ = true;  // the bug: not under guard_
    raised_.notify_all();
  }

  void wait() {
    std::unique_lock<concheck::mutex> lock(guard_);
    raised_.wait(lock, [this] { return flag_.load(); });
  }

 private:
  concheck::mutex guard_{"start"};
  concheck::condition_variable raised_{"start"};
  std::atomic<bool> flag_{false};  // atomic only so that the sample has no data race
};

}  // namespace

int main() {
  return samples::explore_sample("event_buggy", [] {
    home_made_event start;
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
