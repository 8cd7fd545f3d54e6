// A small unmodified program (no concheck include) with one concurrency
// scenario per command-line argument. Built plain (instrumented only by
// LD_PRELOAD) and linked with the static archive; runtime_process_test.cpp
// runs it and checks the JSON findings.
#include <barrier>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace {

// Sequential AB then BA in two threads: no real deadlock, a potential one.
int inversion() {
  std::mutex a;
  std::mutex b;
  std::thread first([&] {
    std::lock_guard<std::mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
  });
  first.join();
  std::thread second([&] {
    std::lock_guard<std::mutex> gb(b);
    std::lock_guard<std::mutex> ga(a);
  });
  second.join();
  std::puts("inversion: finished");
  return 0;
}

// A real AB/BA deadlock: both threads hold their first lock before either
// takes its second (the barrier forces it). Must end with exit 66.
int deadlock() {
  std::mutex a;
  std::mutex b;
  std::barrier both(2);
  std::thread first([&] {
    std::lock_guard<std::mutex> ga(a);
    both.arrive_and_wait();
    std::lock_guard<std::mutex> gb(b);
  });
  std::thread second([&] {
    std::lock_guard<std::mutex> gb(b);
    both.arrive_and_wait();
    std::lock_guard<std::mutex> ga(a);
  });
  first.join();
  second.join();
  std::puts("deadlock: not reached");
  return 0;
}

// Clean: consistent order and std::scoped_lock in both orders.
int clean() {
  std::mutex a;
  std::mutex b;
  std::thread first([&] { std::scoped_lock both(a, b); });
  std::thread second([&] { std::scoped_lock both(b, a); });
  first.join();
  second.join();
  std::puts("clean: finished");
  return 0;
}

// A lost wakeup: the only notify happens before anyone waits.
int lost_wakeup() {
  std::mutex m;
  std::condition_variable cv;
  cv.notify_one();
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock);
  });
  waiter.join();
  return 0;
}

// Holds a lock and raises SIGUSR1: with dump_threads_signal=10 the runtime
// prints every thread, its held locks and its wait.
int dump_on_signal() {
  std::mutex held;
  std::lock_guard<std::mutex> guard(held);
  std::raise(SIGUSR1);
  std::puts("dump: finished");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: scenario inversion|deadlock|clean|lost-wakeup|dump\n", stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "inversion") == 0) return inversion();
  if (std::strcmp(argv[1], "deadlock") == 0) return deadlock();
  if (std::strcmp(argv[1], "clean") == 0) return clean();
  if (std::strcmp(argv[1], "lost-wakeup") == 0) return lost_wakeup();
  if (std::strcmp(argv[1], "dump") == 0) return dump_on_signal();
  std::fprintf(stderr, "unknown scenario '%s'\n", argv[1]);
  return 2;
}
