// A plain program (not linked with concheck) for the `concheck run` tests:
//   run_target correct        two threads add under one mutex: always exits 0
//   run_target check-then-act two withdrawals check and act in two critical
//                             sections: exits 3 in the interleavings that overdraw
//   run_target ab-ba          two threads take two mutexes in opposite orders
//   run_target abort          a thread aborts when it runs second
//   run_target block          the main thread blocks reading a pipe nobody writes
//   run_target latch          two threads count down a std::latch the main thread waits on
//   run_target lost-count     a std::latch of 3 that only 2 count down: never opens
//   run_target one-cpu        exits 4 if a thread it starts may run on more than one CPU
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <mutex>
#include <thread>

namespace {

std::mutex g_m;
int g_balance = 100;

void withdraw() {
  bool enough;
  {
    std::lock_guard<std::mutex> g(g_m);
    enough = g_balance >= 80;
  }
  if (enough) {
    std::lock_guard<std::mutex> g(g_m);
    g_balance -= 80;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "correct") == 0) {
    long counter = 0;
    auto add = [&] {
      for (int i = 0; i < 5; ++i) {
        std::lock_guard<std::mutex> g(g_m);
        ++counter;
      }
    };
    std::thread a(add), b(add);
    a.join();
    b.join();
    std::printf("counter %ld\n", counter);
    return counter == 10 ? 0 : 1;
  }
  if (std::strcmp(mode, "check-then-act") == 0) {
    std::thread a(withdraw), b(withdraw);
    a.join();
    b.join();
    if (g_balance < 0) {
      std::fprintf(stderr, "overdrawn: %d\n", g_balance);
      return 3;
    }
    return 0;
  }
  if (std::strcmp(mode, "ab-ba") == 0) {
    std::mutex a_m, b_m;
    std::thread a([&] {
      std::lock_guard<std::mutex> ga(a_m);
      std::lock_guard<std::mutex> gb(b_m);
    });
    std::thread b([&] {
      std::lock_guard<std::mutex> gb(b_m);
      std::lock_guard<std::mutex> ga(a_m);
    });
    a.join();
    b.join();
    return 0;
  }
  if (std::strcmp(mode, "abort") == 0) {
    int order = 0;
    auto step = [&](bool aborts_second) {
      std::lock_guard<std::mutex> g(g_m);
      if (++order == 2 && aborts_second) std::abort();
    };
    std::thread a(step, false), b(step, true);
    a.join();
    b.join();
    return 0;
  }
  if (std::strcmp(mode, "block") == 0) {
    int p[2];
    if (pipe(p) != 0) return 1;
    char c;
    return static_cast<int>(read(p[0], &c, 1));
  }
  if (std::strcmp(mode, "latch") == 0 || std::strcmp(mode, "lost-count") == 0) {
    std::latch done(std::strcmp(mode, "latch") == 0 ? 2 : 3);
    const auto work = [&] { done.count_down(); };
    std::thread a(work), b(work);
    done.wait();
    a.join();
    b.join();
    return 0;
  }
  if (std::strcmp(mode, "one-cpu") == 0) {
    int cpus = 0;
    std::thread t([&] {
      cpu_set_t allowed;
      CPU_ZERO(&allowed);
      if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) cpus = CPU_COUNT(&allowed);
    });
    t.join();
    std::printf("cpus %d\n", cpus);
    return cpus == 1 ? 0 : 4;
  }
  std::fprintf(stderr,
               "usage: run_target correct|check-then-act|ab-ba|abort|block|latch|lost-count|one-cpu\n");
  return 2;
}
