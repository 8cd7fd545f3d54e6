// The machine's floor under explore mode's throughput (issue 11): what the
// kernel alone charges for the steps a schedule cannot avoid, measured with
// no concheck in the process. Explore mode in process pays, per schedule,
// one thread creation per thread of the body (and its body thread) and one
// hand-off per change of thread; `concheck run` pays one fork, exit and wait
// per schedule. Each figure is the median of 5 rounds, as wall time and as
// CPU time of this process (the CPU figure moves less when other work shares
// the machine).
//   concheck_bench_explore_floor [ROUNDS]
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double now_us(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

struct cost {
  double wall_us;
  double cpu_us;
};

template <class Step>
cost measure(int count, Step step) {
  const double wall = now_us(CLOCK_MONOTONIC);
  const double cpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
  for (int i = 0; i < count; ++i) step();
  return {(now_us(CLOCK_MONOTONIC) - wall) / count, (now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu) / count};
}

// Two threads hand a turn back and forth the way explore's scheduler does on
// one CPU: set the other's word, wake it with FUTEX_WAKE if it sleeps, sleep
// on one's own with FUTEX_WAIT.
std::atomic<std::uint32_t> g_turn[2];
constexpr int kHandOffs = 20000;

long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t value) {
  return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, value, nullptr, nullptr, 0);
}

void wait_turn(int self) {
  std::uint32_t expected = 0;
  if (g_turn[self].compare_exchange_strong(expected, 2))
    while (g_turn[self].load() != 1) futex(&g_turn[self], FUTEX_WAIT, 2);
  g_turn[self].store(0);
}

void give_turn(int other) {
  if (g_turn[other].exchange(1) == 2) futex(&g_turn[other], FUTEX_WAKE, 1);
}

void* hand_off_loop(void* raw) {
  const int self = static_cast<int>(reinterpret_cast<std::intptr_t>(raw));
  if (self == 1) wait_turn(1);
  for (int i = 0; i < kHandOffs; ++i) {
    give_turn(1 - self);
    wait_turn(self);
  }
  give_turn(1 - self);
  return nullptr;
}

void* nothing(void*) {
  return nullptr;
}

cost median(std::vector<cost> rounds) {
  auto middle = [&rounds](auto field) {
    std::vector<double> values;
    for (const cost& c : rounds) values.push_back(c.*field);
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  return {middle(&cost::wall_us), middle(&cost::cpu_us)};
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  if (rounds < 1) {
    std::fprintf(stderr, "usage: %s [ROUNDS]\n", argv[0]);
    return 2;
  }
  // Everything on one CPU, as explore() and concheck run's servers keep a schedule.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  sched_setaffinity(0, sizeof one, &one);

  std::vector<cost> syscalls, hand_offs, threads, forks;
  for (int r = 0; r < rounds; ++r) {
    syscalls.push_back(measure(20000, [] { syscall(SYS_getppid); }));
    g_turn[0].store(0);  // the last give of a round leaves a turn set
    g_turn[1].store(0);
    const double wall = now_us(CLOCK_MONOTONIC);
    const double cpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
    pthread_t a, b;
    pthread_create(&a, nullptr, &hand_off_loop, reinterpret_cast<void*>(std::intptr_t{0}));
    pthread_create(&b, nullptr, &hand_off_loop, reinterpret_cast<void*>(std::intptr_t{1}));
    pthread_join(a, nullptr);
    pthread_join(b, nullptr);
    hand_offs.push_back({(now_us(CLOCK_MONOTONIC) - wall) / (2.0 * kHandOffs),
                         (now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu) / (2.0 * kHandOffs)});
    threads.push_back(measure(2000, [] {
      pthread_t t;
      pthread_create(&t, nullptr, &nothing, nullptr);
      pthread_join(t, nullptr);
    }));
    // The child's CPU time is not this process's: the CPU column counts the parent only.
    forks.push_back(measure(200, [] {
      const pid_t child = fork();
      if (child == 0) _exit(0);
      int status = 0;
      waitpid(child, &status, 0);
    }));
  }
  std::printf("explore floor on one CPU, %ld cores, median of %d rounds\n", sysconf(_SC_NPROCESSORS_ONLN),
              rounds);
  std::printf("%-44s %10s %10s\n", "step", "wall us", "cpu us");
  const cost s = median(syscalls), h = median(hand_offs), t = median(threads), f = median(forks);
  std::printf("%-44s %10.2f %10.2f\n", "empty system call (getppid)", s.wall_us, s.cpu_us);
  std::printf("%-44s %10.2f %10.2f\n", "futex hand-off between two threads", h.wall_us, h.cpu_us);
  std::printf("%-44s %10.2f %10.2f\n", "thread create + join", t.wall_us, t.cpu_us);
  std::printf("%-44s %10.2f %10.2f\n", "fork + _exit + waitpid of this process", f.wall_us, f.cpu_us);
  return 0;
}
