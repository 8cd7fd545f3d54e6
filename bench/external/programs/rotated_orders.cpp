// expect: lock-order-inversion
// One thread, N mutexes; round i locks (i+j)%N for j<N (nested), then unlocks
// them all. Round 1 already inverts round 0's order. Args: [N=100] [ROUNDS=N].
#include <cstdlib>
#include <mutex>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : n;
  std::vector<std::mutex> locks(static_cast<std::size_t>(n));
  for (int i = 0; i < rounds; ++i) {
    for (int j = 0; j < n; ++j) locks[static_cast<std::size_t>((i + j) % n)].lock();
    for (int j = n; j-- > 0;) locks[static_cast<std::size_t>((i + j) % n)].unlock();
  }
  return 0;
}
