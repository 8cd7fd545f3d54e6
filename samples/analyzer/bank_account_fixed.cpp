// Analyzer sample: the bank account, fixed. withdraw() holds the lock across
// the check and the update, so both are one atomic step and `concheck analyze`
// has nothing to report.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {
class account {
 public:
  void deposit(long amount) {
    std::lock_guard<std::mutex> lock(mutex_);
    balance_ += amount;
  }
  bool withdraw(long amount) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (balance_ < amount) return false;
    balance_ -= amount;
    return true;
  }
  long balance() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return balance_;
  }

 private:
  mutable std::mutex mutex_;
  long balance_ = 0;
};
}  // namespace

int main() {
  account acct;
  acct.deposit(100000);
  std::thread saver([&] {
    for (int i = 0; i < 100000; ++i) acct.deposit(1);
  });
  std::thread spender([&] {
    for (int i = 0; i < 100000; ++i) acct.withdraw(1);
  });
  saver.join();
  spender.join();
  std::printf("balance = %ld (expected 100000)\n", acct.balance());
  return acct.balance() == 100000 ? 0 : 1;
}
