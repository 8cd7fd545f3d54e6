// Analyzer sample: the counter race, fixed. Every increment holds the lock, so
// `concheck analyze` has nothing to report.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {
std::mutex counter_mutex;
long counter = 0;

void count_to(int n) {
  for (int i = 0; i < n; ++i) {
    std::lock_guard<std::mutex> lock(counter_mutex);
    ++counter;
  }
}
}  // namespace

int main() {
  constexpr int per_thread = 100000;
  std::thread a(count_to, per_thread);
  std::thread b(count_to, per_thread);
  a.join();
  b.join();
  std::printf("counter = %ld (expected %d)\n", counter, 2 * per_thread);
  return counter == 2 * per_thread ? 0 : 1;
}
