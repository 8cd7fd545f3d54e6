// Issue 9 item 10: a lock nobody named is called what the program calls it:
// a global by its symbol (a member of one by symbol+offset), any other lock
// by the expression its first lock site locks, read from the source line.
#include <mutex>
#include <thread>

#include "concheck/detector/render.hpp"
#include "runtime_test_support.hpp"

// Globals at namespace scope: the symbol table names them.
std::mutex g_names_test_mu;
// Globals whose plain (unmangled) names are also mangling codes: "b" would
// demangle to "bool", "c" to "char" (seen on LevelDB's globals a, b, c, d).
std::mutex b;
std::mutex c;

namespace {

struct names_test_cache {
  long hits = 0;
  std::mutex mu;  // 8 bytes into the object
};
names_test_cache g_names_test_cache;

}  // namespace

namespace runtime_e2e {
namespace {

using concheck::detector::lock_ref;

const lock_ref* lock_at(const finding& f, const void* address) {
  for (const auto& lock : f.locks) {
    if (lock.address == reinterpret_cast<std::uintptr_t>(address)) return &lock;
  }
  return nullptr;
}

class lock_names_test : public runtime_test {};

TEST_F(lock_names_test, PlainSymbolNamesAreNotDemangledIntoTypes) {
  {
    std::lock_guard<std::mutex> first(b);
    std::lock_guard<std::mutex> second(c);
  }
  std::thread other([] {
    std::lock_guard<std::mutex> first(c);
    std::lock_guard<std::mutex> second(b);
  });
  other.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  const lock_ref* named_b = lock_at(inversions[0], &b);
  const lock_ref* named_c = lock_at(inversions[0], &c);
  ASSERT_NE(named_b, nullptr);
  ASSERT_NE(named_c, nullptr);
  EXPECT_EQ(named_b->variable, "b");
  EXPECT_EQ(named_c->variable, "c");
}

TEST_F(lock_names_test, GlobalsAreNamedByTheirSymbol) {
  {
    std::lock_guard<std::mutex> first(g_names_test_mu);
    std::lock_guard<std::mutex> second(g_names_test_cache.mu);
  }
  std::thread other([] {
    std::lock_guard<std::mutex> first(g_names_test_cache.mu);
    std::lock_guard<std::mutex> second(g_names_test_mu);
  });
  other.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  const finding& f = inversions[0];
  const lock_ref* mu = lock_at(f, &g_names_test_mu);
  const lock_ref* member = lock_at(f, &g_names_test_cache.mu);
  ASSERT_NE(mu, nullptr);
  ASSERT_NE(member, nullptr);
  EXPECT_EQ(mu->variable, "g_names_test_mu");
  EXPECT_EQ(mu->variable_from, "symbol");
  EXPECT_EQ(member->variable, "g_names_test_cache+8");
  EXPECT_EQ(member->variable_from, "symbol");
  EXPECT_NE(f.message.find("'g_names_test_mu'"), std::string::npos) << f.message;
}

TEST_F(lock_names_test, OtherLocksAreNamedFromTheirFirstLockSiteLine) {
  std::mutex accounts_guard;
  std::mutex audit_guard;
  {
    std::lock_guard<std::mutex> first(accounts_guard);
    std::lock_guard<std::mutex> second(audit_guard);
  }
  std::thread other([&] {
    std::lock_guard<std::mutex> first(audit_guard);
    std::lock_guard<std::mutex> second(accounts_guard);
  });
  other.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  const finding& f = inversions[0];
  const lock_ref* accounts = lock_at(f, &accounts_guard);
  ASSERT_NE(accounts, nullptr);
  EXPECT_EQ(accounts->variable, "accounts_guard");
  EXPECT_EQ(accounts->variable_from, "source");
  // The message uses short names; the text report's Locks: section says where each was first locked.
  EXPECT_EQ(f.message.find("first locked at"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("'audit_guard'"), std::string::npos) << f.message;
  const std::string text = concheck::detector::render_text(f);
  EXPECT_NE(text.find("  Locks:\n"), std::string::npos) << text;
  EXPECT_NE(text.find("'accounts_guard': std::mutex, first locked at runtime_lock_names_test.cpp:"),
            std::string::npos)
      << text;
}

// Two locks first locked by one std::scoped_lock get their own arguments.
TEST_F(lock_names_test, OneScopedLockNamesBothOfItsLocks) {
  std::mutex left;
  std::mutex right;
  { std::scoped_lock both(left, right); }
  {
    std::lock_guard<std::mutex> first(left);
    std::lock_guard<std::mutex> second(right);
  }
  std::thread other([&] {
    std::lock_guard<std::mutex> first(right);
    std::lock_guard<std::mutex> second(left);
  });
  other.join();
  auto inversions = found(finding_kind::lock_order_inversion);
  ASSERT_EQ(inversions.size(), 1u);
  const lock_ref* l = lock_at(inversions[0], &left);
  const lock_ref* r = lock_at(inversions[0], &right);
  ASSERT_NE(l, nullptr);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(l->variable, "left");
  EXPECT_EQ(r->variable, "right");
}

}  // namespace
}  // namespace runtime_e2e
