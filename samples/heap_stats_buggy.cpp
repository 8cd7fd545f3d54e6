// Lesson 7, buggy: a heap-allocated statistics object updated by several
// threads without a lock. The report cannot name a variable (the object has
// no name), so it names the memory: "N bytes into a heap block of M bytes,
// allocated at heap_stats_buggy.cpp:<line> in main()", plus both accesses.
//
// Determinism: the workers meet at a std::barrier and record after it, with no
// synchronization between their updates until main joins them, so the updates
// are unordered by happens-before in every run.
#include <barrier>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 2;
constexpr int kRequests = 10'000;

struct stats {
  long requests = 0;
  long bytes = 0;
};

// Not inlined into the loop, so each access is attributed to its own line.
__attribute__((noinline)) void record(stats& s, long bytes) {
  s.requests += 1;   // RACE
  s.bytes += bytes;  // RACE
}

void worker(stats& s, std::barrier<>& start, int id) {
  start.arrive_and_wait();
  for (int i = 0; i < kRequests; ++i) record(s, 100 + id);
}

}  // namespace

int main() {
  auto* s = new stats;  // ALLOCATION
  std::barrier<> start(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) workers.emplace_back(worker, std::ref(*s), std::ref(start), t);
  for (std::thread& w : workers) w.join();
  std::printf("requests = %ld (expected %d)\n", s->requests, kThreads * kRequests);
  delete s;
  return 0;
}
