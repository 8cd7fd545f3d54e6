// Lesson 5, fixed with a mutex: every increment of `counter` holds
// `counter_mu`, so the increments are ordered by the lock (each unlock
// happens-before the next lock). concheck reports nothing; its access summary
// (CONCHECK_OPTIONS=access_summary=1) shows 'counter' as locked under the mutex.
#include <cstdio>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

int counter = 0;  // guarded by counter_mu
std::mutex counter_mu;

namespace {

constexpr int kThreads = 4;
constexpr int kIncrements = 100'000;

void count(std::latch& start) {
  start.arrive_and_wait();
  for (int i = 0; i < kIncrements; ++i) {
    std::lock_guard<std::mutex> lock(counter_mu);
    ++counter;
  }
}

}  // namespace

int main() {
  std::latch start(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) workers.emplace_back(count, std::ref(start));
  for (std::thread& worker : workers) worker.join();
  std::printf("counter = %d (expected %d)\n", counter, kThreads * kIncrements);
  return counter == kThreads * kIncrements ? 0 : 1;
}
