// expect: clean
// One thread holds N locks at once (always in the same order), ROUNDS times.
// Args: [N=1000] [ROUNDS=1000].
#include <cstdlib>
#include <mutex>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 1000;
  std::vector<std::mutex> locks(static_cast<std::size_t>(n));
  for (int r = 0; r < rounds; ++r) {
    for (auto& m : locks) m.lock();
    for (auto it = locks.rbegin(); it != locks.rend(); ++it) it->unlock();
  }
  return 0;
}
