// Explore mode's throughput (issue 11): schedules per second in process for
// T threads x R rounds of lock / increment / unlock, against a plain run of
// the same body (threads created, run and joined with no scheduler) measured
// in the same process; and schedules to the first failure per strategy on
// the samples' bugs. Prints a table; `--check` exits 1 when a goal is missed
// (5,000 schedules/s on 2 x 10). `--rates` prints only the throughput table,
// `--strategy random|pct` measures only that strategy (the other column
// shows -): what a profiler or `strace -c` should look at.
// `--count N [--threads T]` runs exactly N schedules of T x 10 (default 2)
// with the chosen strategy (default random) and nothing else, and prints the
// wall and CPU time per schedule: `perf stat` over it counts per schedule.
// `--lock rwlock` takes a std::shared_mutex (pthread_rwlock_t) exclusively
// instead of the std::mutex.
//   concheck_bench_explore [--check] [--seconds S] [--rates] [--strategy random|pct]
//   concheck_bench_explore --count N [--threads T] [--strategy random|pct] [--lock mutex|rwlock]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "concheck/explore.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

template <class Lock = std::mutex>
std::function<void()> rounds_body(int threads, int rounds) {
  return [threads, rounds] {
    Lock m;
    long counter = 0;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int r = 0; r < rounds; ++r) {
          m.lock();
          ++counter;
          m.unlock();
        }
      });
    }
    for (auto& w : workers) w.join();
    if (counter != static_cast<long>(threads) * rounds) std::abort();
  };
}

// Plain runs of `body` per second (its own thread, as explore runs it).
double plain_rate(const std::function<void()>& body, double seconds) {
  std::uint64_t runs = 0;
  const auto start = clock_type::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  while (clock_type::now() < until) {
    std::thread t(body);
    t.join();
    ++runs;
  }
  return runs / std::chrono::duration<double>(clock_type::now() - start).count();
}

double explore_rate(const std::function<void()>& body, concheck::explore_strategy strategy, double seconds) {
  concheck::explore_options o;
  o.strategy = strategy;
  o.schedules = 1000000000;
  o.time_limit = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  const auto start = clock_type::now();
  const auto result = concheck::explore(o, body);
  if (!result.ok()) {
    std::fprintf(stderr, "unexpected failure: %s\n",
                 result.failure ? result.failure->report.c_str() : result.error.c_str());
    std::exit(2);
  }
  return result.schedules / std::chrono::duration<double>(clock_type::now() - start).count();
}

// The samples' bugs, in miniature: schedules until the first failure.
void split_withdraw(int& balance, std::mutex& m) {
  bool enough;
  {
    std::lock_guard<std::mutex> g(m);
    enough = balance >= 80;
  }
  if (enough) {
    std::lock_guard<std::mutex> g(m);
    balance -= 80;
  }
}

struct bug {
  const char* name;
  std::function<void()> body;
};

std::vector<bug> bugs() {
  return {
      {"check-then-act withdraw",
       [] {
         std::mutex m;
         int balance = 100;
         std::thread a([&] { split_withdraw(balance, m); });
         std::thread b([&] { split_withdraw(balance, m); });
         a.join();
         b.join();
         if (balance < 0) throw std::logic_error("overdrawn");
       }},
      {"lost wakeup (if, not while)",
       [] {
         std::mutex m;
         std::condition_variable cv;
         bool ready = false;
         std::thread waiter([&] {
           std::unique_lock<std::mutex> l(m);
           if (!ready) cv.wait(l);
         });
         std::thread setter([&] {
           ready = true;
           cv.notify_one();
         });
         waiter.join();
         setter.join();
       }},
      {"lock order A/B",
       [] {
         std::mutex a, b;
         std::thread t1([&] {
           std::lock_guard<std::mutex> ga(a);
           std::lock_guard<std::mutex> gb(b);
         });
         std::thread t2([&] {
           std::lock_guard<std::mutex> gb(b);
           std::lock_guard<std::mutex> ga(a);
         });
         t1.join();
         t2.join();
       }},
  };
}

std::string first_failure(const std::function<void()>& body, concheck::explore_strategy strategy) {
  concheck::explore_options o;
  o.strategy = strategy;
  o.schedules = 10000;
  o.replay_failure = false;
  const auto result = concheck::explore(o, body);
  if (!result.failure) return "not found";
  return std::to_string(result.failure->schedule + 1);
}

// A rate for the table, "-" when it was not measured.
std::string figure(double rate) {
  return rate > 0 ? std::to_string(static_cast<long>(rate + 0.5)) : "-";
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Exactly `count` schedules of `threads` x 10: time per schedule.
int run_count(std::uint64_t count, int threads, concheck::explore_strategy strategy, bool rwlock) {
  concheck::explore_options o;
  o.strategy = strategy;
  o.schedules = count;
  const double cpu = cpu_seconds();
  const auto start = clock_type::now();
  const auto result =
      concheck::explore(o, rwlock ? rounds_body<std::shared_mutex>(threads, 10) : rounds_body(threads, 10));
  const double wall = std::chrono::duration<double>(clock_type::now() - start).count();
  if (!result.ok() || result.schedules != count) {
    std::fprintf(stderr, "unexpected: %s\n",
                 result.failure ? result.failure->report.c_str() : result.error.c_str());
    return 2;
  }
  std::printf("%llu schedules of %d x 10: %.0f schedules/s, %.1f us wall and %.1f us CPU per schedule\n",
              static_cast<unsigned long long>(count), threads, count / wall, wall * 1e6 / count,
              (cpu_seconds() - cpu) * 1e6 / count);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool check = false;
  bool rates_only = false;
  bool measure_random = true;
  bool measure_pct = true;
  double seconds = 2.0;
  unsigned long long count = 0;
  int threads = 2;
  bool rwlock = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--lock") == 0 && i + 1 < argc &&
               (std::strcmp(argv[i + 1], "mutex") == 0 || std::strcmp(argv[i + 1], "rwlock") == 0)) {
      rwlock = std::strcmp(argv[++i], "rwlock") == 0;
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--check") == 0) {
      check = true;
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "--rates") == 0) {
      rates_only = true;
    } else if (std::strcmp(argv[i], "--strategy") == 0 && i + 1 < argc &&
               (std::strcmp(argv[i + 1], "random") == 0 || std::strcmp(argv[i + 1], "pct") == 0)) {
      measure_random = std::strcmp(argv[++i], "random") == 0;
      measure_pct = !measure_random;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--check] [--seconds S] [--rates] [--strategy random|pct]\n"
                   "       %s --count N [--threads T] [--strategy random|pct] [--lock mutex|rwlock]\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  if (count > 0) {
    if (threads < 1 || threads > 64) {
      std::fprintf(stderr, "%s: --threads expects 1..64\n", argv[0]);
      return 2;
    }
    return run_count(count, threads,
                     measure_random ? concheck::explore_strategy::random : concheck::explore_strategy::pct,
                     rwlock);
  }
  if (seconds <= 0) {
    std::fprintf(stderr, "%s: --seconds must be positive\n", argv[0]);
    return 2;
  }
  std::printf("explore mode, in process, %u cores, %.1f s per figure\n", std::thread::hardware_concurrency(),
              seconds);
  std::printf("%-10s %14s %14s %14s %10s\n", "body", "plain runs/s", "random sch/s", "pct sch/s", "vs plain");
  bool ok = true;
  for (const auto& [threads, rounds] : {std::pair{2, 10}, std::pair{4, 10}}) {
    const auto body = rounds_body(threads, rounds);
    const double plain = plain_rate(body, seconds);
    const double random =
        measure_random ? explore_rate(body, concheck::explore_strategy::random, seconds) : 0;
    const double pct = measure_pct ? explore_rate(body, concheck::explore_strategy::pct, seconds) : 0;
    const double slower = measure_random ? random : pct;
    std::printf("%d x %-6d %14.0f %14s %14s %9.2fx\n", threads, rounds, plain, figure(random).c_str(),
                figure(pct).c_str(), slower / plain);
    if (threads == 2 && ((measure_random && random < 5000) || (measure_pct && pct < 5000))) ok = false;
  }
  if (rates_only) {
    std::printf("\ngoal: at least 5000 schedules/s on 2 x 10: %s\n", ok ? "PASS" : "FAIL");
    return check && !ok ? 1 : 0;
  }
  std::printf("\nschedules to the first failure (of at most 10000)\n%-30s %10s %10s %10s %10s\n", "bug",
              "automatic", "random", "pct", "dfs");
  for (const bug& b : bugs()) {
    std::printf("%-30s %10s %10s %10s %10s\n", b.name,
                first_failure(b.body, concheck::explore_strategy::automatic).c_str(),
                first_failure(b.body, concheck::explore_strategy::random).c_str(),
                first_failure(b.body, concheck::explore_strategy::pct).c_str(),
                first_failure(b.body, concheck::explore_strategy::dfs).c_str());
  }
  std::printf("\ngoal: at least 5000 schedules/s on 2 x 10: %s\n", ok ? "PASS" : "FAIL");
  return check && !ok ? 1 : 0;
}
