// Lock-order bookkeeping at scale (issue 9), as a Google Benchmark: each
// benchmark runs one lock pattern twice per iteration, on plain std::mutex
// objects and through the monitor engine (the runtime's slow path without
// pthreads), and reports the monitor's time plus `ratio` = monitor / plain,
// both measured in the same run. Not a CI test: run
//   build/bench/concheck_bench_lock_order_scale
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "concheck/detector/monitor.hpp"

namespace {

using concheck::detector::acquire_kind;
using concheck::detector::lock_event;
using concheck::detector::lock_id;
using concheck::detector::lock_mode;
using concheck::detector::relock_behavior;
using concheck::detector::stack_ref;
using clock_type = std::chrono::steady_clock;

stack_ref fake_capture(void*) {
  return 1;
}

// Runs `order(round, j)` for `rounds` rounds of `n` nested acquisitions.
template <class Order>
void run_pattern(benchmark::State& state, std::size_t n, std::size_t rounds, Order order) {
  double plain_total = 0;
  double monitor_total = 0;
  std::size_t reports = 0;
  for (auto _ : state) {
    std::vector<std::mutex> locks(n);
    auto start = clock_type::now();
    for (std::size_t r = 0; r < rounds; ++r) {
      for (std::size_t j = 0; j < n; ++j) locks[order(r, j)].lock();
      for (std::size_t j = n; j-- > 0;) locks[order(r, j)].unlock();
    }
    const double plain = std::chrono::duration<double>(clock_type::now() - start).count();

    concheck::detector::monitor engine;
    concheck::detector::monitor_thread thread(1);
    start = clock_type::now();
    for (std::size_t r = 0; r < rounds; ++r) {
      for (std::size_t j = 0; j < n; ++j) {
        const lock_event event{order(r, j) + 1, lock_mode::exclusive, acquire_kind::blocking,
                               relock_behavior::blocks, 0x4000};
        auto result = engine.before_lock(thread, event, &fake_capture, nullptr);
        reports += result.inversions.size();
        engine.after_lock(thread, event, result.stack, true);
      }
      for (std::size_t j = n; j-- > 0;) engine.before_unlock(thread, order(r, j) + 1);
    }
    const double monitored = std::chrono::duration<double>(clock_type::now() - start).count();
    state.SetIterationTime(monitored);
    plain_total += plain;
    monitor_total += monitored;
    benchmark::DoNotOptimize(reports);
  }
  state.counters["plain_ms"] = 1e3 * plain_total / static_cast<double>(state.iterations());
  state.counters["ratio"] = plain_total > 0 ? monitor_total / plain_total : 0;
}

void rotated_orders(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  run_pattern(state, n, n, [n](std::size_t r, std::size_t j) { return (r + j) % n; });
}

void many_held(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  run_pattern(state, n, 1000, [](std::size_t, std::size_t j) { return j; });
}

void nested_chain(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  run_pattern(state, n, 1, [](std::size_t, std::size_t j) { return j; });
}

BENCHMARK(rotated_orders)
    ->Arg(10)
    ->Arg(30)
    ->Arg(45)
    ->Arg(100)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(many_held)->Arg(64)->Arg(200)->Arg(1000)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(nested_chain)->Arg(5000)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
