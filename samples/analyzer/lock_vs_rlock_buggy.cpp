// Analyzer sample: Lock vs RLock, found from source. A ledger's outer() holds
// its std::mutex and calls inner(), which takes the same non-recursive mutex
// again: the thread waits for itself forever. `concheck analyze` reports the
// self-deadlock at outer()'s call of inner(), with notes at the first lock and
// at the second, without running the program (samples/lock_vs_rlock_buggy.cpp
// is the same lesson caught at run time).
#include <cstdio>
#include <mutex>
#include <thread>

namespace {
class ledger {
 public:
  void outer() {
    std::lock_guard<std::mutex> guard(state_lock_);
    entries_ += 1;
    inner();  // inner() locks state_lock_ again
  }
  long entries() const {
    std::lock_guard<std::mutex> guard(state_lock_);
    return entries_;
  }

 private:
  void inner() {
    std::lock_guard<std::mutex> guard(state_lock_);  // second lock by the same thread
    entries_ += 1;
  }

  mutable std::mutex state_lock_;
  long entries_ = 0;
};
}  // namespace

int main() {
  ledger book;
  std::thread worker([&] { book.outer(); });
  worker.join();
  std::printf("lock_vs_rlock_buggy: unreachable, %ld entries\n", book.entries());
  return 0;
}
