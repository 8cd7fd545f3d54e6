// Lesson 3, buggy: bank transfers. transfer(from, to) locks `from` and then
// `to`. Teller 1 moves money from account[0] to account[1] while teller 2
// moves money the other way: each takes the other's locks in the opposite
// order, so two concurrent transfers can deadlock. Here a latch runs them one
// after the other (no hang), and concheck reports the `lock-order-inversion`
// between account[0] and account[1] anyway.
#include <array>
#include <concheck/concheck.hpp>
#include <cstdio>
#include <mutex>
#include <string>

namespace {

struct account {
  explicit account(int id) : guard("account[" + std::to_string(id) + "]") {}
  concheck::mutex guard;
  long balance = 100;
};

void transfer(account& from, account& to, long amount) {
  std::lock_guard<concheck::mutex> lock_from(from.guard);
  std::lock_guard<concheck::mutex> lock_to(to.guard);  // the order depends on the arguments
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  std::array<account, 2> accounts{account(0), account(1)};
  concheck::latch first_done(1, "first_done");
  concheck::thread teller_one(concheck::thread_name("teller-1"), [&] {
    transfer(accounts[0], accounts[1], 30);
    first_done.count_down();
  });
  concheck::thread teller_two(concheck::thread_name("teller-2"), [&] {
    first_done.wait();
    transfer(accounts[1], accounts[0], 10);
  });
  teller_one.join();
  teller_two.join();
  std::printf("bank_buggy: balances %ld and %ld (total %ld)\n", accounts[0].balance, accounts[1].balance,
              accounts[0].balance + accounts[1].balance);
  return 0;
}
