// Thread cancellation through C++ (no concheck include): a thread waits in
// std::condition_variable::wait holding a std::unique_lock and is cancelled
// in the wait; the unwinding runs ~unique_lock, which unlocks the mutex that
// glibc re-acquired for it. Once with wait, once with wait_for (a timed
// wait). Built plain (LD_PRELOAD) and linked with the static and the shared
// library; runtime_signal_cancel_test.cpp runs it.
#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace {

std::mutex g_mutex;
std::condition_variable g_never;
std::condition_variable g_ready;
bool g_waiting = false;
int g_unwound = 0;

struct counts_unwinding {
  ~counts_unwinding() { ++g_unwound; }
};

// Not noexcept: the cancellation's unwinding must pass through it.
void* waiter(void* timed) {
  counts_unwinding counter;
  std::unique_lock<std::mutex> lock(g_mutex);
  g_waiting = true;
  g_ready.notify_one();
  for (;;) {
    if (timed != nullptr) {
      g_never.wait_for(lock, std::chrono::hours(1));
    } else {
      g_never.wait(lock);
    }
  }
  return nullptr;
}

bool cancel_one(bool timed) {
  pthread_t thread;
  g_waiting = false;
  if (pthread_create(&thread, nullptr, waiter, timed ? &g_waiting : nullptr) != 0) return false;
  {
    // Holding the mutex and seeing the flag: the waiter is in its wait.
    std::unique_lock<std::mutex> lock(g_mutex);
    g_ready.wait(lock, [] { return g_waiting; });
    pthread_cancel(thread);
  }
  void* result = nullptr;
  pthread_join(thread, &result);
  if (result != PTHREAD_CANCELED) return false;
  std::lock_guard<std::mutex> free_again(g_mutex);
  return true;
}

int cancel_unique_lock() {
  if (!cancel_one(false) || !cancel_one(true)) {
    std::puts("cancel-unique-lock: the waiter was not cancelled");
    return 1;
  }
  std::printf("cancel-unique-lock: finished (%d unwound)\n", g_unwound);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: signal_cancel_cpp cancel-unique-lock\n", stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "cancel-unique-lock") == 0) return cancel_unique_lock();
  std::fprintf(stderr, "unknown scenario '%s'\n", argv[1]);
  return 2;
}
