// Explore lesson 3, fixed: concheck::counting_semaphore (std::counting_semaphore's
// interface) checks for a permit and takes it in one critical section, so at
// most two of the four workers are ever inside. concheck's primitives are
// built on its mutex and condition variable, so explore mode switches
// threads inside them too; std::counting_semaphore of libstdc++ waits on a
// futex concheck does not control (docs/explore.md).
#include <atomic>
#include <concheck/concheck.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "explore_sample.hpp"

namespace {

constexpr int kPermits = 2;
constexpr int kWorkers = 4;

}  // namespace

int main() {
  return samples::explore_sample("semaphore_fixed", [] {
    concheck::counting_semaphore<kPermits> permits(kPermits, "permits");
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
