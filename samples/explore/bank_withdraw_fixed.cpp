// Explore lesson 1, fixed: the check and the subtraction happen in one
// critical section, so no other clerk can act between them. Every schedule
// explore mode tries leaves the balance at 20: one withdrawal succeeds, the
// other sees too little and does nothing.
#include <concheck/concheck.hpp>
#include <mutex>
#include <stdexcept>
#include <string>

#include "explore_sample.hpp"

namespace {

struct account {
  concheck::mutex guard{"account"};
  long balance = 100;

  void withdraw(long amount) {
    std::lock_guard<concheck::mutex> lock(guard);
    if (balance >= amount) balance -= amount;
  }
};

}  // namespace

int main() {
  return samples::explore_sample("bank_withdraw_fixed", [] {
    account shared;
    concheck::thread clerk_one(concheck::thread_name("clerk-1"), [&] { shared.withdraw(80); });
    concheck::thread clerk_two(concheck::thread_name("clerk-2"), [&] { shared.withdraw(80); });
    clerk_one.join();
    clerk_two.join();
    if (shared.balance != 20)
      throw std::logic_error("balance " + std::to_string(shared.balance) + ", not 20");
  });
}
