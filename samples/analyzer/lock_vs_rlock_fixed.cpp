// Analyzer sample: Lock vs RLock, fixed without a recursive mutex. outer()
// holds the ledger's mutex and calls inner_locked(), a helper that expects the
// lock held instead of taking it again; the public inner() takes the lock and
// calls the same helper. `concheck analyze` finds nothing: each path takes the
// lock once.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {
class ledger {
 public:
  void outer() {
    std::lock_guard<std::mutex> guard(state_lock_);
    entries_ += 1;
    inner_locked();
  }
  void inner() {
    std::lock_guard<std::mutex> guard(state_lock_);
    inner_locked();
  }
  long entries() const {
    std::lock_guard<std::mutex> guard(state_lock_);
    return entries_;
  }

 private:
  void inner_locked() { entries_ += 1; }  // callers hold state_lock_

  mutable std::mutex state_lock_;
  long entries_ = 0;
};
}  // namespace

int main() {
  ledger book;
  std::thread a([&] { book.outer(); });
  std::thread b([&] { book.inner(); });
  a.join();
  b.join();
  std::printf("lock_vs_rlock_fixed: %ld entries (expected 3)\n", book.entries());
  return 0;
}
