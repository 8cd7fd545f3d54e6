// A plain program (not linked with concheck) for the `concheck run` tests:
//   run_target correct        two threads add under one mutex: always exits 0
//   run_target check-then-act two withdrawals check and act in two critical
//                             sections: exits 3 in the interleavings that overdraw
//   run_target ab-ba          two threads take two mutexes in opposite orders
//   run_target abort          a thread aborts when it runs second
//   run_target block          the main thread blocks reading a pipe nobody writes, through
//                             syscall(SYS_read) (a raw system call concheck does not see)
//   run_target block-read     the same through read(), which explore mode sees
//   run_target latch          two threads count down a std::latch the main thread waits on
//   run_target lost-count     a std::latch of 3 that only 2 count down: never opens
//   run_target one-cpu        exits 4 if a thread it starts may run on more than one CPU
//   run_target write-pages F  writes one byte in each of 200 pages of zeroed and of initialized
//                             globals, appends "faults <page faults of those writes>" to file F;
//                             exits 5 if a page did not hold its initial value
//   run_target run-code F     calls libm functions the fork server never ran (code only, no
//                             data written), appends "faults <page faults of the calls>" to file F
//   run_target block-after FD F N  appends a byte to file F; the first N runs then exit 0, every
//                             later one writes "<pid> <parent pid>\n" to fd FD and blocks reading
//                             a pipe nobody writes (concheck run's interruption tests)
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <mutex>
#include <thread>

namespace {

std::mutex g_m;
int g_balance = 100;

constexpr int kPages = 200;
char g_zeroed[kPages * 4096];                      // .bss: no page present before main
volatile char g_initialized[kPages * 4096] = {7};  // .data: the first byte 7, the rest 0

// Appends "faults <this thread's page faults since `before`>" to `path`.
bool append_faults(const char* path, const rusage& before) {
  rusage after{};
  getrusage(RUSAGE_THREAD, &after);
  char line[64];
  const int n = std::snprintf(line, sizeof line, "faults %ld\n", after.ru_minflt - before.ru_minflt);
  const int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0 || write(fd, line, static_cast<std::size_t>(n)) != n) return false;
  close(fd);
  return true;
}

// write-pages: concheck run's fork server must not change what the pages
// hold, and a child after the first few should find them already its own.
int write_pages(const char* path) {
  bool intact = g_initialized[0] == 7;
  rusage before{};
  getrusage(RUSAGE_THREAD, &before);
  for (int i = 0; i < kPages; ++i) {
    intact = intact && g_zeroed[i * 4096] == 0 && (i == 0 || g_initialized[i * 4096] == 0);
    g_zeroed[i * 4096] = 1;
    g_initialized[i * 4096] = 1;
  }
  if (!append_faults(path, before)) return 1;
  return intact ? 0 : 5;
}

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

// run-code: code pages the fork server mapped for its children.
int run_code(const char* path) {
  rusage before{};
  getrusage(RUSAGE_THREAD, &before);
  volatile double x = 0.75;
  const double sum = std::erf(x) + std::tgamma(x) + std::cbrt(x) + jn(3, x) + yn(2, x) + std::expm1(x) +
                     std::asinh(x) + std::atanh(x) + std::erfc(x);
  if (!append_faults(path, before)) return 1;
  return sum > 0 ? 0 : 5;
}

// block-after: runs that pass, then one that blocks where the test can
// interrupt it, with the processes it runs in named to the test.
int block_after(int marker_fd, const char* count_path, long passing) {
  const int count = open(count_path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (count < 0 || write(count, "x", 1) != 1) return 1;
  const off_t runs = lseek(count, 0, SEEK_END);
  close(count);
  if (runs <= passing) return 0;
  char line[64];
  const int n =
      std::snprintf(line, sizeof line, "%d %d\n", static_cast<int>(getpid()), static_cast<int>(getppid()));
  if (write(marker_fd, line, static_cast<std::size_t>(n)) != n) return 1;
  int p[2];
  if (pipe(p) != 0) return 1;
  char c;
  return static_cast<int>(read(p[0], &c, 1));
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
  if (std::strcmp(mode, "long") == 0) {  // 30,000 rounds of lock and unlock per thread: 120,000 points
    long n = 0;
    const auto work = [&n] {
      for (int i = 0; i < 30000; ++i) {
        std::lock_guard<std::mutex> g(g_m);
        ++n;
      }
    };
    std::thread a(work);
    work();
    a.join();
    return n == 60000 ? 0 : 1;
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
  if (std::strcmp(mode, "endless") == 0) {  // two threads taking a lock forever: progress, no end
    std::printf("endless: started\n");      // buffered: stdout is not a terminal
    const auto work = [] {
      for (;;) {
        std::lock_guard<std::mutex> g(g_m);
      }
    };
    std::thread a(work);
    work();
    a.join();
    return 0;
  }
  if (std::strcmp(mode, "stop") == 0) {  // stops the whole process, the runtime's watch too
    std::fprintf(stderr, "stop: stopping\n");
    std::raise(SIGSTOP);
    return 0;
  }
  if (std::strcmp(mode, "block") == 0) {  // a raw system call: outside concheck's view
    int p[2];
    if (pipe(p) != 0) return 1;
    char c;
    return static_cast<int>(syscall(SYS_read, p[0], &c, 1));
  }
  if (std::strcmp(mode, "block-read") == 0) {  // read(): a wait for I/O nothing in the schedule answers
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
  if (std::strcmp(mode, "write-pages") == 0 && argc > 2) return write_pages(argv[2]);
  if (std::strcmp(mode, "run-code") == 0 && argc > 2) return run_code(argv[2]);
  if (std::strcmp(mode, "block-after") == 0 && argc > 4)
    return block_after(std::atoi(argv[2]), argv[3], std::atol(argv[4]));
  std::fprintf(stderr,
               "usage: run_target correct|check-then-act|ab-ba|abort|block|latch|lost-count|one-cpu|"
               "write-pages FILE|run-code FILE|block-after FD FILE N\n");
  return 2;
}
