// Explore lesson 1, buggy: check-then-act split over two critical sections.
// withdraw() checks the balance under the account's lock, releases it, and
// subtracts under the lock again. Each step is locked, yet the pair is not:
// two clerks withdrawing 80 from 100 can both see "enough" before either
// subtracts, and the account ends at -60. In a plain run the window is a few
// instructions wide and the test almost always passes; explore mode switches
// threads at the lock operations and finds the schedule that overdraws.
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
    bool enough;
    {
      std::lock_guard<concheck::mutex> lock(guard);
      enough = balance >= amount;
    }
    // Another clerk can withdraw right here.
    if (enough) {
      std::lock_guard<concheck::mutex> lock(guard);
      balance -= amount;
    }
  }
};

}  // namespace

int main() {
  return samples::explore_sample("bank_withdraw_buggy", [] {
    account shared;
    concheck::thread clerk_one(concheck::thread_name("clerk-1"), [&] { shared.withdraw(80); });
    concheck::thread clerk_two(concheck::thread_name("clerk-2"), [&] { shared.withdraw(80); });
    clerk_one.join();
    clerk_two.join();
    if (shared.balance < 0) throw std::logic_error("overdrawn: balance " + std::to_string(shared.balance));
  });
}
