// Analyzer sample: a bank account whose withdraw forgets the lock. deposit()
// and balance() lock the account's mutex, withdraw() does not: a concurrent
// deposit and withdraw can lose one of the updates, and the balance check in
// withdraw can see a stale value. `concheck analyze` reports the write in
// withdraw() and points at the locked access in deposit().
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
    if (balance_ < amount) return false;
    balance_ -= amount;  // the lock is missing here
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
  return 0;
}
