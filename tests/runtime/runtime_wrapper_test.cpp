// Locks taken through a user's lock wrapper (issue 9, item 1): two unrelated
// inversions, A/B in f1/f2 and C/D in g1/g2, are two findings whether the
// locks are taken through a wrapper class, a std::lock_guard over it, a
// LevelDB/Abseil-style MutexLock guard or pthread calls made directly, and
// each report (its key, its "acquired at" lines and its SUMMARY) names the
// user's function and line, never the wrapper's. A stress version runs many
// scenarios through one wrapper class in one process: each is reported.
//
// The wrappers are out of line ([[gnu::noinline]], no tail calls), the hard
// case: the pthread call then returns into the wrapper, not into inlined user
// code, and the wrapper's frames are on every captured stack.
// Each inversion is forced by running its two halves one after the other on
// two threads (join in between): no sleeps, no luck.
#include <pthread.h>

#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "concheck/detector/finding_key.hpp"
#include "concheck/detector/render.hpp"
#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

// A lock wrapper as users write them.
class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  ~Mutex() { pthread_mutex_destroy(&mutex_); }
  // Checked, as LevelDB's port::Mutex does; the check after the call also
  // keeps the compiler from turning it into a tail call, so this frame is on
  // the stack when pthread_mutex_lock runs.
  [[gnu::noinline]] void lock() {
    if (pthread_mutex_lock(&mutex_) != 0) std::abort();
  }
  [[gnu::noinline]] void unlock() {
    if (pthread_mutex_unlock(&mutex_) != 0) std::abort();
  }
  pthread_mutex_t* native() { return &mutex_; }

 private:
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
};

// A scoped guard over it, LevelDB/Abseil style: `MutexLock l(&mu);`.
class MutexLock {
 public:
  // The barrier after the call keeps this frame on the stack (no tail call),
  // as it is in a build without optimization.
  [[gnu::noinline]] explicit MutexLock(Mutex* mutex) : mutex_(mutex) {
    mutex_->lock();
    asm volatile("" ::: "memory");
  }
  [[gnu::noinline]] ~MutexLock() {
    mutex_->unlock();
    asm volatile("" ::: "memory");
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mutex_;
};

using half = void (*)(Mutex&, Mutex&);

// Where each closing acquisition is (set by the functions as they run).
struct closing_lines {
  int f2 = 0;
  int g2 = 0;
};

// Runs `first` then `second` on two threads, over fresh locks.
void run_inversion(half first, half second) {
  Mutex x;
  Mutex y;
  std::thread(first, std::ref(x), std::ref(y)).join();
  std::thread(second, std::ref(x), std::ref(y)).join();
}

// --- Through the wrapper's members.
closing_lines g_wrapper;
void wrapper_f1(Mutex& a, Mutex& b) {
  a.lock();
  b.lock();
  b.unlock();
  a.unlock();
}
void wrapper_f2(Mutex& a, Mutex& b) {
  b.lock();
  a.lock();
  g_wrapper.f2 = __LINE__ - 1;
  a.unlock();
  b.unlock();
}
void wrapper_g1(Mutex& c, Mutex& d) {
  c.lock();
  d.lock();
  d.unlock();
  c.unlock();
}
void wrapper_g2(Mutex& c, Mutex& d) {
  d.lock();
  c.lock();
  g_wrapper.g2 = __LINE__ - 1;
  c.unlock();
  d.unlock();
}

// --- A std::lock_guard over the wrapper.
closing_lines g_lock_guard;
void lock_guard_f1(Mutex& a, Mutex& b) {
  std::lock_guard<Mutex> first(a);
  std::lock_guard<Mutex> second(b);
}
void lock_guard_f2(Mutex& a, Mutex& b) {
  std::lock_guard<Mutex> first(b);
  std::lock_guard<Mutex> second(a);
  g_lock_guard.f2 = __LINE__ - 1;
}
void lock_guard_g1(Mutex& c, Mutex& d) {
  std::lock_guard<Mutex> first(c);
  std::lock_guard<Mutex> second(d);
}
void lock_guard_g2(Mutex& c, Mutex& d) {
  std::lock_guard<Mutex> first(d);
  std::lock_guard<Mutex> second(c);
  g_lock_guard.g2 = __LINE__ - 1;
}

// --- The MutexLock guard.
closing_lines g_guard;
void guard_f1(Mutex& a, Mutex& b) {
  MutexLock first(&a);
  MutexLock second(&b);
}
void guard_f2(Mutex& a, Mutex& b) {
  MutexLock first(&b);
  MutexLock second(&a);
  g_guard.f2 = __LINE__ - 1;
}
void guard_g1(Mutex& c, Mutex& d) {
  MutexLock first(&c);
  MutexLock second(&d);
}
void guard_g2(Mutex& c, Mutex& d) {
  MutexLock first(&d);
  MutexLock second(&c);
  g_guard.g2 = __LINE__ - 1;
}

// --- Direct pthread calls: the baseline the others must match.
closing_lines g_direct;
void direct_f1(Mutex& a, Mutex& b) {
  pthread_mutex_lock(a.native());
  pthread_mutex_lock(b.native());
  pthread_mutex_unlock(b.native());
  pthread_mutex_unlock(a.native());
}
void direct_f2(Mutex& a, Mutex& b) {
  pthread_mutex_lock(b.native());
  pthread_mutex_lock(a.native());
  g_direct.f2 = __LINE__ - 1;
  pthread_mutex_unlock(a.native());
  pthread_mutex_unlock(b.native());
}
void direct_g1(Mutex& c, Mutex& d) {
  pthread_mutex_lock(c.native());
  pthread_mutex_lock(d.native());
  pthread_mutex_unlock(d.native());
  pthread_mutex_unlock(c.native());
}
void direct_g2(Mutex& c, Mutex& d) {
  pthread_mutex_lock(d.native());
  pthread_mutex_lock(c.native());
  g_direct.g2 = __LINE__ - 1;
  pthread_mutex_unlock(c.native());
  pthread_mutex_unlock(d.native());
}

struct expected_site {
  std::string function;  // e.g. "wrapper_f2"
  int line = 0;
};

bool is_this_file(const std::string& file) {
  return file.size() >= 24 && file.substr(file.size() - 24) == "runtime_wrapper_test.cpp";
}

// One inversion per expected site, in order, each pointing at its closing
// acquisition in the user's function: the finding's site, the cycle's
// "acquired at" sites and the text report's SUMMARY.
void expect_inversions_at(const std::vector<finding>& inversions,
                          const std::vector<expected_site>& expected) {
  ASSERT_EQ(inversions.size(), expected.size());
  std::set<std::string> keys;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const finding& f = inversions[i];
    keys.insert(concheck::detector::finding_key(f));
    ASSERT_FALSE(f.sites.empty());
    EXPECT_NE(f.sites[0].function.find(expected[i].function), std::string::npos) << f.sites[0].function;
    EXPECT_EQ(f.sites[0].line, expected[i].line) << f.sites[0].function;
    EXPECT_TRUE(is_this_file(f.sites[0].file)) << f.sites[0].file;
    for (const auto& edge : f.cycle) {
      // Every lock was taken by the user's own halves, never "in" the wrapper.
      EXPECT_EQ(edge.acquired.function.find("Mutex::"), std::string::npos) << edge.acquired.function;
      EXPECT_EQ(edge.acquired.function.find("MutexLock::"), std::string::npos) << edge.acquired.function;
      EXPECT_TRUE(is_this_file(edge.acquired.file)) << edge.acquired.file;
    }
    const std::string report = concheck::detector::render_text(f, {});
    const std::string summary = "SUMMARY: concheck: lock-order-inversion runtime_wrapper_test.cpp:" +
                                std::to_string(expected[i].line) + " in ";
    const std::size_t at = report.find(summary);
    ASSERT_NE(at, std::string::npos) << report;
    const std::string rest = report.substr(at + summary.size(), report.find('\n', at) - at - summary.size());
    EXPECT_NE(rest.find(expected[i].function), std::string::npos) << report;
  }
  EXPECT_EQ(keys.size(), expected.size()) << "findings must have distinct keys";
}

class wrapper_test : public runtime_test {
 protected:
  void run_both(half f1, half f2, half g1, half g2) {
    run_inversion(f1, f2);
    run_inversion(g1, g2);
  }
};

TEST_F(wrapper_test, WrapperClassGivesTwoFindingsAtTheUsersLines) {
  run_both(wrapper_f1, wrapper_f2, wrapper_g1, wrapper_g2);
  expect_inversions_at(found(finding_kind::lock_order_inversion),
                       {{"wrapper_f2", g_wrapper.f2}, {"wrapper_g2", g_wrapper.g2}});
}

TEST_F(wrapper_test, LockGuardOverTheWrapperGivesTwoFindingsAtTheUsersLines) {
  run_both(lock_guard_f1, lock_guard_f2, lock_guard_g1, lock_guard_g2);
  expect_inversions_at(found(finding_kind::lock_order_inversion),
                       {{"lock_guard_f2", g_lock_guard.f2}, {"lock_guard_g2", g_lock_guard.g2}});
}

TEST_F(wrapper_test, MutexLockGuardGivesTwoFindingsAtTheUsersLines) {
  run_both(guard_f1, guard_f2, guard_g1, guard_g2);
  expect_inversions_at(found(finding_kind::lock_order_inversion),
                       {{"guard_f2", g_guard.f2}, {"guard_g2", g_guard.g2}});
}

TEST_F(wrapper_test, DirectCallsGiveTheSameTwoFindings) {
  run_both(direct_f1, direct_f2, direct_g1, direct_g2);
  expect_inversions_at(found(finding_kind::lock_order_inversion),
                       {{"direct_f2", g_direct.f2}, {"direct_g2", g_direct.g2}});
}

// --- Stress: many scenarios through the one wrapper class, in one process.
// Each scenario is its own code path (its own functions), as in a program's
// different subsystems sharing one Mutex class; every one must be reported.
int g_scenario_line[5] = {};

void accounts_debit(Mutex& account, Mutex& audit) {
  MutexLock hold(&account);
  MutexLock log(&audit);
}
void accounts_audit(Mutex& account, Mutex& audit) {
  MutexLock hold(&audit);
  MutexLock check(&account);
  g_scenario_line[0] = __LINE__ - 1;
}
void cache_fill(Mutex& cache, Mutex& store) {
  std::lock_guard<Mutex> hold(cache);
  std::lock_guard<Mutex> read(store);
}
void cache_evict(Mutex& cache, Mutex& store) {
  std::lock_guard<Mutex> hold(store);
  std::lock_guard<Mutex> drop(cache);
  g_scenario_line[1] = __LINE__ - 1;
}
void queue_push(Mutex& queue, Mutex& stats) {
  queue.lock();
  stats.lock();
  stats.unlock();
  queue.unlock();
}
void queue_report(Mutex& queue, Mutex& stats) {
  stats.lock();
  queue.lock();
  g_scenario_line[2] = __LINE__ - 1;
  queue.unlock();
  stats.unlock();
}
void session_open(Mutex& session, Mutex& registry) {
  std::unique_lock<Mutex> hold(session);
  std::unique_lock<Mutex> add(registry);
}
void session_sweep(Mutex& session, Mutex& registry) {
  std::unique_lock<Mutex> hold(registry);
  std::unique_lock<Mutex> close(session);
  g_scenario_line[3] = __LINE__ - 1;
}
void index_build(Mutex& index, Mutex& shard) {
  MutexLock hold(&index);
  shard.lock();
  shard.unlock();
}
void index_merge(Mutex& index, Mutex& shard) {
  std::lock_guard<Mutex> hold(shard);
  MutexLock merge(&index);
  g_scenario_line[4] = __LINE__ - 1;
}

TEST_F(wrapper_test, ManyScenariosThroughOneWrapperAreEachReported) {
  const half scenarios[5][2] = {{accounts_debit, accounts_audit},
                                {cache_fill, cache_evict},
                                {queue_push, queue_report},
                                {session_open, session_sweep},
                                {index_build, index_merge}};
  for (const auto& scenario : scenarios) run_inversion(scenario[0], scenario[1]);
  expect_inversions_at(found(finding_kind::lock_order_inversion), {{"accounts_audit", g_scenario_line[0]},
                                                                   {"cache_evict", g_scenario_line[1]},
                                                                   {"queue_report", g_scenario_line[2]},
                                                                   {"session_sweep", g_scenario_line[3]},
                                                                   {"index_merge", g_scenario_line[4]}});
}

}  // namespace
}  // namespace runtime_e2e
