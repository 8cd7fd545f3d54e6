// expect: lock-order-inversion
// A chain of N nested distinct locks (0, 1, ..., N-1 all held at once), then
// the last one taken before the first: one inversion. Args: [N=5000].
#include <cstdlib>
#include <mutex>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 5000;
  std::vector<std::mutex> locks(static_cast<std::size_t>(n));
  for (auto& m : locks) m.lock();
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) it->unlock();
  std::lock_guard<std::mutex> last(locks.back());
  std::lock_guard<std::mutex> first(locks.front());
  return 0;
}
