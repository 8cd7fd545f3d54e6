// Lesson 3, buggy, in plain standard C++: the same transfers with std::mutex
// and std::thread and no concheck type at all. Linked with concheck::runtime,
// the unmodified code is still checked; the report names the locks by type
// and creation site instead of by name (use concheck::mutex to name them).
#include <array>
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

namespace {

struct account {
  std::mutex guard;
  long balance = 100;
};

void transfer(account& from, account& to, long amount) {
  std::lock_guard<std::mutex> lock_from(from.guard);
  std::lock_guard<std::mutex> lock_to(to.guard);
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  std::array<account, 2> accounts;
  // Forces the order: teller two starts after teller one finished. (A
  // std::latch waits on a futex concheck cannot see; here that is harmless.)
  std::latch first_done(1);
  std::thread teller_one([&] {
    transfer(accounts[0], accounts[1], 30);
    first_done.count_down();
  });
  std::thread teller_two([&] {
    first_done.wait();
    transfer(accounts[1], accounts[0], 10);
  });
  teller_one.join();
  teller_two.join();
  std::printf("bank_std_buggy: total %ld\n", accounts[0].balance + accounts[1].balance);
  return 0;
}
