// Lesson 5, buggy: the data race. Four threads each add 1 to a plain `int`
// 100,000 times. `++counter` is a load, an add and a store; two threads can
// load the same value and one increment is lost, so the total is usually
// short, and by the C++ memory model the program has undefined behaviour.
// Built with concheck_instrument(): concheck reports a data-race on the global
// 'counter', naming both accesses (the same line, in two threads).
//
// Determinism: the workers meet at a std::latch and increment after it, with
// no synchronization between their increments until main joins them, so the
// accesses are unordered by happens-before in every run, however the threads
// happen to be scheduled (the report does not depend on timing; the total does).
#include <cstdio>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

int counter = 0;  // shared by every worker, protected by nothing

namespace {

constexpr int kThreads = 4;
constexpr int kIncrements = 100'000;

void count(std::latch& start) {
  start.arrive_and_wait();
  // One line: at -O2 the compiler attributes the load and the store of `++`
  // to different lines of a braced loop.
  for (int i = 0; i < kIncrements; ++i) ++counter;  // RACE
}

}  // namespace

int main() {
  std::latch start(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) workers.emplace_back(count, std::ref(start));
  for (std::thread& worker : workers) worker.join();
  std::printf("counter = %d (expected %d; lost updates make it less)\n", counter, kThreads * kIncrements);
  return 0;
}
