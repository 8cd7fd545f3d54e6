// Explore lesson 3, buggy: a home-made semaphore whose acquire() checks for a
// free permit in one critical section and takes it in another. Four workers
// share two permits; two can both see the last permit free before either
// takes it, and three end up inside at once (the permit count goes negative).
// It is lesson 1's check-then-act again, hidden inside a primitive: every
// line is under the lock, the decision is not.
#include <atomic>
#include <concheck/concheck.hpp>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "explore_sample.hpp"

namespace {

constexpr int kPermits = 2;
constexpr int kWorkers = 4;

class home_made_semaphore {
 public:
  explicit home_made_semaphore(int permits) : permits_(permits) {}

  void acquire() {
    {
      std::unique_lock<concheck::mutex> lock(guard_);
      released_.wait(lock, [this] { return permits_ > 0; });
    }
    // Another worker can pass the same check here.
    std::lock_guard<concheck::mutex> lock(guard_);
    --permits_;
  }

  void release() {
    std::lock_guard<concheck::mutex> lock(guard_);
    ++permits_;
    released_.notify_one();
  }

 private:
  concheck::mutex guard_{"permits"};
  concheck::condition_variable released_{"released"};
  int permits_;
};

}  // namespace

int main() {
  return samples::explore_sample("semaphore_buggy", [] {
    home_made_semaphore permits(kPermits);
    std::atomic<int> inside{0};
    std::atomic<bool> too_many{false};
    std::vector<concheck::thread> workers;
    for (int i = 0; i < kWorkers; ++i) {
      workers.emplace_back(concheck::thread_name("worker-" + std::to_string(i + 1)), [&] {
        permits.acquire();
        if (++inside > kPermits) too_many = true;
        std::this_thread::yield();  // the work: others may run meanwhile
        --inside;
        permits.release();
      });
    }
    for (concheck::thread& worker : workers) worker.join();
    if (too_many) throw std::logic_error("more than " + std::to_string(kPermits) + " workers inside at once");
  });
}
