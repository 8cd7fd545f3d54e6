// Micro-benchmark of the runtime's nested-acquisition hot path: one thread
// locks two of 64 std::mutexes in index order (no contention), so every
// acquisition after the first few thousand is an edge-cache hit. Built plain
// and with concheck (bench/CMakeLists.txt); run both and compare, or count
// instructions with `valgrind --tool=callgrind`. Usage: BINARY [OPERATIONS]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>

int main(int argc, char** argv) {
  static std::mutex accounts[64];
  const long operations = argc > 1 ? std::atol(argv[1]) : 2'000'000;
  if (operations <= 0) {
    std::fprintf(stderr, "usage: %s [OPERATIONS > 0]\n", argv[0]);
    return 2;
  }
  std::uint64_t x = 88172645463325252ULL;  // xorshift: a fixed, repeatable order
  long done = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < operations; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    unsigned a = static_cast<unsigned>(x % 64);
    unsigned b = static_cast<unsigned>((x >> 8) % 64);
    if (a == b) continue;
    if (a > b) std::swap(a, b);
    std::lock_guard<std::mutex> first(accounts[a]);
    std::lock_guard<std::mutex> second(accounts[b]);
    ++done;
  }
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("workload=hot_path_nested ns_per_op=%.2f operations=%ld\n", ns / static_cast<double>(done),
              done);
  return 0;
}
