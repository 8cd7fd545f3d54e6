// Lesson 7, fixed: the statistics object carries its own mutex and record()
// holds it, so the updates are ordered by the lock. concheck reports nothing;
// the access summary (CONCHECK_OPTIONS=access_summary=1) shows the block as
// locked under stats::mu.
#include <barrier>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 2;
constexpr int kRequests = 10'000;

struct stats {
  std::mutex mu;
  long requests = 0;  // guarded by mu
  long bytes = 0;     // guarded by mu
};

// Not inlined into the loop, so each access is attributed to its own line.
__attribute__((noinline)) void record(stats& s, long bytes) {
  std::lock_guard<std::mutex> lock(s.mu);
  s.requests += 1;
  s.bytes += bytes;
}

void worker(stats& s, std::barrier<>& start, int id) {
  start.arrive_and_wait();
  for (int i = 0; i < kRequests; ++i) record(s, 100 + id);
}

}  // namespace

int main() {
  auto* s = new stats;
  std::barrier<> start(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) workers.emplace_back(worker, std::ref(*s), std::ref(start), t);
  for (std::thread& w : workers) w.join();
  std::printf("requests = %ld (expected %d)\n", s->requests, kThreads * kRequests);
  const bool right = s->requests == kThreads * kRequests;
  delete s;
  return right ? 0 : 1;
}
