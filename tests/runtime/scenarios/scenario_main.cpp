// A small unmodified program (no concheck include) with one concurrency
// scenario per command-line argument. Built plain (instrumented only by
// LD_PRELOAD) and linked with the static archive; runtime_process_test.cpp
// runs it and checks the JSON findings.
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
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

// Spin locks taken AB then BA in two threads.
int spin_inversion() {
  pthread_spinlock_t a;
  pthread_spinlock_t b;
  pthread_spin_init(&a, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&b, PTHREAD_PROCESS_PRIVATE);
  std::thread first([&] {
    pthread_spin_lock(&a);
    pthread_spin_lock(&b);
    pthread_spin_unlock(&b);
    pthread_spin_unlock(&a);
  });
  first.join();
  std::thread second([&] {
    pthread_spin_lock(&b);
    pthread_spin_lock(&a);
    pthread_spin_unlock(&a);
    pthread_spin_unlock(&b);
  });
  second.join();
  std::puts("spin-inversion: finished");
  return 0;
}

// C code: a mutex in malloc'd memory, freed while locked.
int free_locked() {
  auto* m = static_cast<pthread_mutex_t*>(std::malloc(sizeof(pthread_mutex_t)));
  pthread_mutex_init(m, nullptr);
  pthread_mutex_lock(m);
  std::free(m);
  std::puts("free-locked: finished");
  return 0;
}

std::mutex g_left_locked;

// The main thread returns from main (or calls exit) holding a lock.
int main_returns_holding() {
  g_left_locked.lock();
  std::puts("main-returns-holding: finished");
  return 0;
}

int exit_holding() {
  g_left_locked.lock();
  std::puts("exit-holding: finished");
  std::exit(0);
}

// A static object whose destructor takes a lock for good (a common way to
// keep late threads out during shutdown): not the main thread's fault.
struct locks_at_shutdown {
  std::mutex* gate = nullptr;
  ~locks_at_shutdown() {
    if (gate != nullptr) gate->lock();
  }
};
locks_at_shutdown g_shutdown;
std::mutex g_shutdown_gate;
std::mutex g_worker_lock;

// Exit while another thread legitimately holds a lock (it is blocked in a
// call concheck does not instrument) and a static destructor locks: clean.
int exit_clean() {
  g_shutdown.gate = &g_shutdown_gate;
  std::atomic<bool> holding{false};
  std::thread worker([&] {
    g_worker_lock.lock();
    holding.store(true);
    for (;;) pause();
  });
  worker.detach();
  while (!holding.load()) std::this_thread::yield();
  std::puts("exit-clean: finished");
  return 0;
}

// Loads the shared library `path` with dlopen() after start, as a program
// loads a plugin: "dlopen: loaded", or exit status 3 naming the failure.
int load_library(const char* path) {
  if (::dlopen(path, RTLD_NOW) == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", ::dlerror());
    return 3;
  }
  std::puts("dlopen: loaded");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(
        "usage: scenario inversion|deadlock|clean|lost-wakeup|dump|spin-inversion|free-locked|\n"
        "                main-returns-holding|exit-holding|exit-clean|dlopen LIBRARY\n",
        stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "inversion") == 0) return inversion();
  if (std::strcmp(argv[1], "deadlock") == 0) return deadlock();
  if (std::strcmp(argv[1], "clean") == 0) return clean();
  if (std::strcmp(argv[1], "lost-wakeup") == 0) return lost_wakeup();
  if (std::strcmp(argv[1], "dump") == 0) return dump_on_signal();
  if (std::strcmp(argv[1], "spin-inversion") == 0) return spin_inversion();
  if (std::strcmp(argv[1], "free-locked") == 0) return free_locked();
  if (std::strcmp(argv[1], "main-returns-holding") == 0) return main_returns_holding();
  if (std::strcmp(argv[1], "exit-holding") == 0) return exit_holding();
  if (std::strcmp(argv[1], "exit-clean") == 0) return exit_clean();
  if (std::strcmp(argv[1], "dlopen") == 0 && argc == 3) return load_library(argv[2]);
  std::fprintf(stderr, "unknown scenario '%s'\n", argv[1]);
  return 2;
}
