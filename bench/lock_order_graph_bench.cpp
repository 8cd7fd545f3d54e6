// The lock-order graph's fast path: re-inserting an edge it already has (what
// the runtime does on every nested acquisition it has seen before) must cost
// a lookup, not a search. Measured against has_edge() on the same graph in
// the same run, so the ratio means the same on a loaded or an idle machine:
// ~1 is a lookup; a search over the 100k-lock chain would be thousands.
// Prints `name value unit` lines like the other benchmarks. Run by hand:
//   cmake --build <build> --target concheck_bench_lock_order_graph &&
//   <build>/bench/concheck_bench_lock_order_graph
#include <chrono>
#include <cstdio>

#include "concheck/detector/lock_order_graph.hpp"

namespace {

using concheck::detector::lock_order_graph;
using node = lock_order_graph::node;
using clock_type = std::chrono::steady_clock;

constexpr node kChain = 100'000;
constexpr int kRounds = 2'000'000;

template <class Body>
double ns_per_call(Body body) {
  const auto start = clock_type::now();
  bool all = true;
  for (int i = 0; i < kRounds; ++i) all = body(static_cast<node>(i) % (kChain - 1)) && all;
  const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count() / kRounds;
  if (!all) std::printf("error: an edge of the chain was missing\n");
  return ns;
}

}  // namespace

int main() {
  lock_order_graph graph;
  for (node n = 0; n + 1 < kChain; ++n) graph.insert_edge(n, n + 1);
  const double lookup = ns_per_call([&](node n) { return graph.has_edge(n, n + 1); });
  const double reinsert = ns_per_call([&](node n) { return graph.insert_edge(n, n + 1); });
  std::printf("lock_order_graph.has_edge %.1f ns\n", lookup);
  std::printf("lock_order_graph.known_edge_insert %.1f ns\n", reinsert);
  std::printf("lock_order_graph.known_edge_insert_vs_has_edge %.2f x\n", reinsert / lookup);
  return 0;
}
