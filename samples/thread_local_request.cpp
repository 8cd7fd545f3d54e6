// Lesson 6, clean: per-request data that is never shared. Each worker serves
// its own requests with a request_context it allocated itself and a
// thread_local scratch buffer; nothing of a request is seen by another thread,
// so no lock is needed and concheck reports nothing. With
// CONCHECK_OPTIONS=access_summary=1 the summary at exit shows the contexts'
// heap blocks (allocated in serve()) as thread-local, each block used by one
// thread: the proof that this data needs no lock. The only shared data,
// `served`, is handed to main by join (a `synchronized` line in the summary).
#include <cstdio>
#include <cstring>
#include <functional>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 4;
constexpr int kRequests = 1000;

struct request_context {
  int request_id = 0;
  long bytes_in = 0;
  long bytes_out = 0;
  char user[32] = {};
};

// Formatting space of the request being handled: one per thread.
thread_local char t_scratch[64];

long handle(request_context& request, int id, int worker) {
  request.request_id = id;
  request.bytes_in = 100 + id % 7;
  std::snprintf(request.user, sizeof request.user, "user-%d-%d", worker, id % 10);
  std::memcpy(t_scratch, request.user, sizeof request.user);
  request.bytes_out = request.bytes_in * 2 + static_cast<long>(std::strlen(t_scratch));
  return request.bytes_out;
}

}  // namespace

long served[kThreads];  // worker t writes served[t]; main reads it after join

namespace {

void serve(std::latch& start, int worker) {
  auto request = std::make_unique<request_context>();  // ALLOCATION: this worker's only
  start.arrive_and_wait();                             // all workers serve at once: still nothing shared
  long total = 0;
  for (int id = 0; id < kRequests; ++id) total += handle(*request, id, worker);
  served[worker] = total;
}

}  // namespace

int main() {
  std::latch start(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) workers.emplace_back(serve, std::ref(start), t);
  for (std::thread& worker : workers) worker.join();
  long total = 0;
  for (long bytes : served) total += bytes;
  std::printf("served %d requests, %ld bytes out\n", kThreads * kRequests, total);
  return 0;
}
