// Lesson 5, fixed with an atomic: `counter` is a std::atomic<int>, so each
// `++counter` is one indivisible read-modify-write. Atomic accesses never race
// with each other; concheck reports nothing, and its access summary
// (CONCHECK_OPTIONS=access_summary=1) marks 'counter' as atomic.
#include <atomic>
#include <cstdio>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

std::atomic<int> counter{0};

namespace {

constexpr int kThreads = 4;
constexpr int kIncrements = 100'000;

void count(std::latch& start) {
  start.arrive_and_wait();
  for (int i = 0; i < kIncrements; ++i) {
    ++counter;
  }
}

}  // namespace

int main() {
  std::latch start(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) workers.emplace_back(count, std::ref(start));
  for (std::thread& worker : workers) worker.join();
  std::printf("counter = %d (expected %d)\n", counter.load(), kThreads * kIncrements);
  return counter.load() == kThreads * kIncrements ? 0 : 1;
}
