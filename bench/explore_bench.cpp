// Explore mode's throughput (issue 11): schedules per second in process for
// T threads x R rounds of lock / increment / unlock, against a plain run of
// the same body (threads created, run and joined with no scheduler) measured
// in the same process; and schedules to the first failure per strategy on
// the samples' bugs. Prints a table; `--check` exits 1 when a goal is missed
// (5,000 schedules/s on 2 x 10).
//   concheck_bench_explore [--check] [--seconds S]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "concheck/explore.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

std::function<void()> rounds_body(int threads, int rounds) {
  return [threads, rounds] {
    std::mutex m;
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

}  // namespace

int main(int argc, char** argv) {
  bool check = false;
  double seconds = 2.0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--check") == 0) {
      check = true;
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--check] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  std::printf("explore mode, in process, %u cores, %.1f s per figure\n", std::thread::hardware_concurrency(),
              seconds);
  std::printf("%-10s %14s %14s %14s %10s\n", "body", "plain runs/s", "random sch/s", "pct sch/s", "ratio");
  bool ok = true;
  for (const auto& [threads, rounds] : {std::pair{2, 10}, std::pair{4, 10}}) {
    const auto body = rounds_body(threads, rounds);
    const double plain = plain_rate(body, seconds);
    const double random = explore_rate(body, concheck::explore_strategy::random, seconds);
    const double pct = explore_rate(body, concheck::explore_strategy::pct, seconds);
    std::printf("%d x %-6d %14.0f %14.0f %14.0f %9.2fx\n", threads, rounds, plain, random, pct,
                plain / random);
    if (threads == 2 && std::min(random, pct) < 5000) ok = false;
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
