// Analyzer sample: the counter race, buggy. Two threads increment a shared
// counter with no lock; increments get lost. `concheck analyze` reports the
// write as unprotected-write without running the program.
#include <cstdio>
#include <thread>

namespace {
long counter = 0;

void count_to(int n) {
  for (int i = 0; i < n; ++i) ++counter;  // read-modify-write from two threads
}
}  // namespace

int main() {
  constexpr int per_thread = 100000;
  std::thread a(count_to, per_thread);
  std::thread b(count_to, per_thread);
  a.join();
  b.join();
  std::printf("counter = %ld (expected %d)\n", counter, 2 * per_thread);
  return 0;
}
