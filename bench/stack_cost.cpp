// Cost of the runtime's stack machinery on this machine: capturing a stack
// (repeatedly from one place, as a lock site in a loop: the per-thread
// capture cache), and symbolizing with libbacktrace cold (first use: reads
// debug info), warm (new pcs) and cached. Prints `name value unit` lines for bench/run_bench.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "stack_depot.hpp"
#include "symbolize.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double us_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - start).count();
}

// A recursion so the captured stacks have a realistic depth (~20 frames).
[[gnu::noinline]] concheck::detail::stack_id capture_at_depth(int depth) {
  if (depth == 0) return concheck::detail::capture_stack();
  const auto id = capture_at_depth(depth - 1);
  asm volatile("" ::: "memory");
  return id;
}

[[gnu::noinline]] concheck::detail::stack_id capture_elsewhere(int depth) {
  if (depth == 0) return concheck::detail::capture_stack();
  const auto id = capture_elsewhere(depth - 1);
  asm volatile("nop" ::: "memory");  // not folded into capture_at_depth
  return id;
}

}  // namespace

int main() {
  constexpr int kCaptures = 100'000;
  concheck::detail::stack_id id = capture_at_depth(12);
  auto start = clock_type::now();
  for (int i = 0; i < kCaptures; ++i) id = capture_at_depth(12);
  const double capture_ns = us_since(start) * 1000.0 / kCaptures;
  const std::size_t depth = concheck::detail::stack_pcs(id).size();

  // Three depths in rotation defeat the 2-entry per-thread cache: a full unwind each time.
  constexpr int kUnwinds = 20'000;
  start = clock_type::now();
  for (int i = 0; i < kUnwinds; ++i) static_cast<void>(capture_at_depth(12 + i % 3));
  const double unwind_ns = us_since(start) * 1000.0 / kUnwinds;

  start = clock_type::now();
  const auto frames = concheck::detail::symbolize_stack(id);
  const double cold_ms = us_since(start) / 1000.0;

  const auto other = capture_elsewhere(12);  // new return addresses, except main's and libc's
  std::size_t new_pcs = 0;
  const auto seen = concheck::detail::stack_pcs(id);
  for (std::uintptr_t pc : concheck::detail::stack_pcs(other)) {
    if (std::find(seen.begin(), seen.end(), pc) == seen.end()) ++new_pcs;
  }
  start = clock_type::now();
  const auto other_frames = concheck::detail::symbolize_stack(other);
  const double uncached_us = us_since(start);

  constexpr int kWarm = 1000;
  start = clock_type::now();
  for (int i = 0; i < kWarm; ++i) static_cast<void>(concheck::detail::symbolize_stack(id));
  const double cached_us = us_since(start) / kWarm;

  std::printf("capture_stack %.0f ns (%zu frames, repeated from one place: per-thread cache hit)\n",
              capture_ns, depth);
  std::printf("capture_stack_unwind %.0f ns (%zu-%zu frames, full _Unwind_Backtrace)\n", unwind_ns, depth,
              depth + 2);
  std::printf("symbolize_cold %.1f ms (first stack, %zu frames)\n", cold_ms, frames.size());
  std::printf("symbolize_warm %.1f us for a new stack (%zu of its pcs new, %zu frames): %.1f us per new pc\n",
              uncached_us, new_pcs, other_frames.size(),
              new_pcs > 0 ? uncached_us / static_cast<double>(new_pcs) : 0.0);
  std::printf("symbolize_cached %.2f us per stack\n", cached_us);
  return 0;
}
