// Lesson 3, fixed: transfer() takes both accounts' locks with std::scoped_lock,
// which acquires them deadlock-free whatever order the arguments come in.
// (Ordered locking, e.g. always the lower account number first, is the other
// classic fix; see philosophers_fixed.cpp.) The two tellers now run at the same
// time, lined up by a barrier, and concheck stays quiet.
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
  std::scoped_lock both(from.guard, to.guard);
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  std::array<account, 2> accounts{account(0), account(1)};
  concheck::barrier start_together(2, "start_together");
  concheck::thread teller_one(concheck::thread_name("teller-1"), [&] {
    start_together.arrive_and_wait();
    for (int i = 0; i < 1000; ++i) transfer(accounts[0], accounts[1], 2);
  });
  concheck::thread teller_two(concheck::thread_name("teller-2"), [&] {
    start_together.arrive_and_wait();
    for (int i = 0; i < 1000; ++i) transfer(accounts[1], accounts[0], 2);
  });
  teller_one.join();
  teller_two.join();
  std::printf("bank_fixed: balances %ld and %ld (total %ld)\n", accounts[0].balance, accounts[1].balance,
              accounts[0].balance + accounts[1].balance);
  return accounts[0].balance + accounts[1].balance == 200 ? 0 : 1;
}
