// Naming unnamed locks from the source line of their first lock site: each
// locking construct users write, the lines that must give no name, and the
// choice between the arguments of one std::scoped_lock.
#include "concheck/detector/lock_source_name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace concheck::detector {
namespace {

// A first-lock site whose library path went through `library_functions`
// (innermost first) before reaching the user's frame.
site first_locked(std::vector<std::string> library_functions = {}) {
  site s;
  for (auto& function : library_functions) s.frames.push_back(frame{0, "", 0, function, "", 0, true});
  s.frames.push_back(frame{0, "", 0, "Cache::get", "/src/t.cpp", 10, false});
  s.function = "Cache::get";
  s.file = "/src/t.cpp";
  s.line = 10;
  return s;
}

std::string name_of(const std::string& line, const site& where = first_locked()) {
  return lock_expression(line, where);
}

TEST(LockSourceName, GuardsNameTheirArgument) {
  EXPECT_EQ(name_of("  std::lock_guard<std::mutex> g(m_);"), "m_");
  EXPECT_EQ(name_of("std::lock_guard g{cache.mu};"), "cache.mu");
  EXPECT_EQ(name_of("std::unique_lock<std::mutex> lk(this->mutex_);"), "mutex_");
  EXPECT_EQ(name_of("std::shared_lock lock(table_[i].rw);  // readers"), "table_[i].rw");
  EXPECT_EQ(name_of("auto lk = std::unique_lock(*queue->mu);"), "*queue->mu");
  EXPECT_EQ(name_of("std::unique_lock<std::timed_mutex> lk(tm, std::chrono::milliseconds(5));"), "tm");
  EXPECT_EQ(name_of("std::lock_guard<std::mutex> guard(from.guard);"), "from.guard");
}

TEST(LockSourceName, MemberAndPthreadCallsNameTheirObject) {
  EXPECT_EQ(name_of("m.lock();"), "m");
  EXPECT_EQ(name_of("  accounts[from].mu.lock(); // take it"), "accounts[from].mu");
  EXPECT_EQ(name_of("if (!state->rw.try_lock_shared()) return;"), "state->rw");
  EXPECT_EQ(name_of("pthread_mutex_lock(&mu);"), "mu");
  EXPECT_EQ(name_of("if (pthread_rwlock_wrlock(&g_table.rw) != 0) abort();"), "g_table.rw");
  EXPECT_EQ(name_of("pthread_mutex_lock(m);"), "m");
}

TEST(LockSourceName, OneScopedLockNamesEachLockByPosition) {
  const std::string line = "std::scoped_lock both(a.mu, b.mu);";
  // libstdc++'s std::lock locks the first argument and tries the second.
  EXPECT_EQ(name_of(line, first_locked({"pthread_mutex_lock", "std::mutex::lock()",
                                        "std::unique_lock<std::mutex>::lock()",
                                        "void std::lock<std::mutex, std::mutex>(std::mutex&, std::mutex&)"})),
            "a.mu");
  EXPECT_EQ(name_of(line, first_locked({"pthread_mutex_trylock", "std::mutex::try_lock()",
                                        "std::unique_lock<std::mutex>::try_lock()"})),
            "b.mu");
  EXPECT_EQ(name_of("std::lock(left, right);", first_locked({"pthread_mutex_trylock"})), "right");
  // Three arguments, one tried: which of the last two is unknown.
  EXPECT_EQ(name_of("std::scoped_lock all(a, b, c);", first_locked({"pthread_mutex_trylock"})), "");
  EXPECT_EQ(name_of("std::scoped_lock all(a, b, c);"), "a");
}

TEST(LockSourceName, AmbiguousOrUnlockingLinesGiveNoName) {
  EXPECT_EQ(name_of("std::lock_guard g1(a); std::lock_guard g2(b);"), "");
  EXPECT_EQ(name_of("LOCK(mu);"), "");
  EXPECT_EQ(name_of("std::lock_guard<std::mutex> g(m, std::adopt_lock);"), "");
  EXPECT_EQ(name_of("std::scoped_lock l(std::adopt_lock, a, b);"), "");
  EXPECT_EQ(name_of("void f(std::unique_lock<std::mutex>& lk);"), "");
  EXPECT_EQ(name_of("m.unlock();"), "");
  EXPECT_EQ(name_of("// std::lock_guard g(m);"), "");
  EXPECT_EQ(name_of("log(\"std::lock_guard g(m);\");"), "");
  EXPECT_EQ(name_of("std::lock_guard g(make_a_very_long_expression_that_is_no_name_at_all(x, y, z));"), "");
  EXPECT_EQ(name_of(""), "");
  EXPECT_EQ(name_of("std::lock_guard g(m"), "");  // split over lines
}

// lk.lock() on a std::unique_lock: `lk` is the guard, not the mutex.
TEST(LockSourceName, LockingAGuardObjectIsNotTheLocksName) {
  EXPECT_EQ(name_of("lk.lock();", first_locked({"pthread_mutex_lock", "std::mutex::lock()",
                                                "std::unique_lock<std::mutex>::lock()"})),
            "");
  EXPECT_EQ(name_of("mu.lock();", first_locked({"pthread_mutex_lock", "std::mutex::lock()"})), "mu");
}

TEST(LockSourceName, CallsAreListedLeftToRight) {
  auto calls = lock_calls_in_line("std::lock(a, b); c.lock(); pthread_mutex_lock(&d);");
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].locks, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(calls[1].locks, (std::vector<std::string>{"c"}));
  EXPECT_TRUE(calls[1].member_call);
  EXPECT_EQ(calls[2].locks, (std::vector<std::string>{"d"}));
}

}  // namespace
}  // namespace concheck::detector
