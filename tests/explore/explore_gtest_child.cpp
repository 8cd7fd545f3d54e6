// A test program using CONCHECK_TEST exactly as a user would (link
// concheck::gtest); run as a child by explore_gtest_test.cpp, never
// registered with CTest itself.
#include <concheck/gtest.hpp>
#include <mutex>
#include <thread>

namespace {

struct account {
  std::mutex m;
  int balance = 100;

  // The bug: the check and the act are two critical sections.
  void withdraw_split(int amount) {
    bool enough;
    {
      std::lock_guard<std::mutex> g(m);
      enough = balance >= amount;
    }
    if (enough) {
      std::lock_guard<std::mutex> g(m);
      balance -= amount;
    }
  }

  void withdraw(int amount) {
    std::lock_guard<std::mutex> g(m);
    if (balance >= amount) balance -= amount;
  }
};

}  // namespace

CONCHECK_TEST(Bank, SplitWithdrawalsOverdraw) {
  account a;
  std::thread t1([&] { a.withdraw_split(80); });
  std::thread t2([&] { a.withdraw_split(80); });
  t1.join();
  t2.join();
  EXPECT_GE(a.balance, 0);
}

CONCHECK_TEST(Bank, AtomicWithdrawalsNeverOverdraw) {
  account a;
  std::thread t1([&] { a.withdraw(80); });
  std::thread t2([&] { a.withdraw(80); });
  t1.join();
  t2.join();
  EXPECT_GE(a.balance, 0);
}
