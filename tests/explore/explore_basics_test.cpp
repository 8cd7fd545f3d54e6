// Explore mode: a body runs under many interleavings; bugs that need a rare
// interleaving are found, correct bodies pass every schedule.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "concheck/explore.hpp"
#include "concheck/mutex.hpp"

namespace {

concheck::explore_options with(concheck::explore_strategy strategy, std::uint64_t schedules) {
  concheck::explore_options o;
  o.strategy = strategy;
  o.schedules = schedules;
  return o;
}

// Two threads withdraw 80 from a balance of 100, each checking the balance
// in one critical section and subtracting in another.
void split_withdraw(int& balance, std::mutex& m) {
  bool enough;
  {
    std::lock_guard<std::mutex> g(m);
    enough = balance >= 80;
  }
  if (enough) {
    std::lock_guard<std::mutex> g(m);
    balance -= 80;
  }
}

TEST(ExploreBasics, CorrectBodyPassesEverySchedule) {
  const auto result = concheck::explore(with(concheck::explore_strategy::random, 200), [] {
    std::mutex m;
    int counter = 0;
    std::thread a([&] {
      for (int i = 0; i < 3; ++i) {
        std::lock_guard<std::mutex> g(m);
        ++counter;
      }
    });
    std::thread b([&] {
      for (int i = 0; i < 3; ++i) {
        std::lock_guard<std::mutex> g(m);
        ++counter;
      }
    });
    a.join();
    b.join();
    if (counter != 6) throw std::logic_error("lost update");
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
  EXPECT_EQ(result.schedules, 200u);
}

// A consumer polls a flag with sched_yield until the producer sets it: a
// correct program. A yield gives the turn away whenever another thread can
// run, so no strategy keeps choosing the poller until the step bound.
TEST(ExploreBasics, APollingLoopThatYieldsEndsUnderEveryStrategy) {
  for (const auto strategy : {concheck::explore_strategy::random, concheck::explore_strategy::pct,
                              concheck::explore_strategy::dfs, concheck::explore_strategy::delay}) {
    auto options = with(strategy, 30);
    options.step_bound = 2000;
    const auto result = concheck::explore(options, [] {
      std::atomic<bool> ready{false};
      std::thread consumer([&] {
        while (!ready.load(std::memory_order_acquire)) sched_yield();
      });
      std::thread producer([&] { ready.store(true, std::memory_order_release); });
      consumer.join();
      producer.join();
    });
    EXPECT_TRUE(result.ok()) << static_cast<int>(strategy) << ": "
                             << (result.failure ? result.failure->report : result.error);
  }
}

TEST(ExploreBasics, CheckThenActIsFoundAndReplays) {
  const auto body = [] {
    std::mutex m;
    int balance = 100;
    std::thread a([&] { split_withdraw(balance, m); });
    std::thread b([&] { split_withdraw(balance, m); });
    a.join();
    b.join();
    if (balance < 0) throw std::logic_error("overdrawn");
  };
  const auto result = concheck::explore(with(concheck::explore_strategy::random, 1000), body);
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "uncaught-exception");
  EXPECT_TRUE(result.failure->reproduced) << result.failure->divergence;
  EXPECT_NE(result.failure->report.find("CONCHECK_REPLAY=" + result.failure->token), std::string::npos);
  concheck::explore_options replay;
  replay.replay = result.failure->token;
  const auto again = concheck::explore(replay, body);
  ASSERT_TRUE(again.failure);
  EXPECT_EQ(again.failure->kind, "uncaught-exception");
  EXPECT_EQ(again.schedules, 1u);
}

TEST(ExploreBasics, LockOrderDeadlockIsFound) {
  const auto result = concheck::explore(with(concheck::explore_strategy::random, 1000), [] {
    std::mutex a_m, b_m;
    std::thread a([&] {
      std::lock_guard<std::mutex> ga(a_m);
      std::lock_guard<std::mutex> gb(b_m);
    });
    std::thread b([&] {
      std::lock_guard<std::mutex> gb(b_m);
      std::lock_guard<std::mutex> ga(a_m);
    });
    a.join();
    b.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  // Either the inversion (any schedule that takes both orders) or the deadlock itself.
  EXPECT_TRUE(result.failure->kind == "lock-order-inversion" || result.failure->kind == "deadlock")
      << result.failure->report;
}

// T0 creates T1, yields n times and joins; T1 yields m times. Every
// interleaving of T0's n+2 moves (its segments up to the join, and the join)
// with T1's m+1 moves: C(n+m+3, m+1). With one preemption: the schedule
// that never preempts plus one per point at which T1 can take over from T0
// (after the create, after each yield, at the join): n+3. With none: 1.
std::uint64_t dfs_schedules(int bound, std::set<std::string>* tokens = nullptr) {
  concheck::explore_options o = with(concheck::explore_strategy::dfs, 100000);
  o.preemption_bound = bound;
  std::vector<int> order;
  o.check = [&] {
    std::string trace;
    for (int t : order) trace += std::to_string(t);
    if (tokens != nullptr) tokens->insert(trace);
    order.clear();
    return std::string();
  };
  const auto result = concheck::explore(o, [&] {
    std::thread t1([&] {
      for (int i = 0; i < 2; ++i) {
        order.push_back(1);
        std::this_thread::yield();
      }
    });
    for (int i = 0; i < 2; ++i) {
      order.push_back(0);
      std::this_thread::yield();
    }
    t1.join();
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
  EXPECT_TRUE(result.exhausted);
  return result.schedules;
}

TEST(ExploreBasics, BoundedSearchVisitsExactlyTheExpectedSchedules) {
  EXPECT_EQ(dfs_schedules(0), 1u);
  EXPECT_EQ(dfs_schedules(1), 5u);  // n + 3, n = 2
  std::set<std::string> traces;
  EXPECT_EQ(dfs_schedules(100, &traces), 35u);  // C(7, 3)
  // The body's visible orders: every interleaving of 0,0 and 1,1 appears.
  EXPECT_EQ(traces.size(), 6u);  // C(4, 2)
}

TEST(ExploreBasics, SameSeedSameSchedules) {
  const auto trace_of = [](std::uint64_t seed) {
    std::vector<std::string> traces;
    concheck::explore_options o = with(concheck::explore_strategy::random, 50);
    o.seed = seed;
    std::string order;
    o.check = [&] {
      traces.push_back(order);
      order.clear();
      return std::string();
    };
    concheck::explore(o, [&] {
      std::mutex m;
      std::vector<std::thread> workers;
      for (char name : {'a', 'b', 'c'}) {
        workers.emplace_back([&, name] {
          for (int i = 0; i < 3; ++i) {
            std::lock_guard<std::mutex> g(m);
            order += name;
          }
        });
      }
      for (auto& w : workers) w.join();
    });
    return traces;
  };
  const auto first = trace_of(11);
  EXPECT_EQ(first, trace_of(11));
  EXPECT_NE(first, trace_of(12));
  EXPECT_GT(std::set<std::string>(first.begin(), first.end()).size(), 10u) << "random schedules differ";
}

// PCT's guarantee (Burckhardt et al.): a bug of depth d is hit with
// probability at least 1 / (n k^(d-1)) per schedule (n threads, k steps).
// Depth 2 here: T1's first write must come before T2's first read, and
// T2's second read before T1's second write.
TEST(ExploreBasics, PctHitsADepthTwoBugAtLeastAsOftenAsItsBound) {
  concheck::explore_options o = with(concheck::explore_strategy::pct, 1000);
  o.pct_depth = 2;
  int hits = 0;
  bool hit = false;
  o.check = [&] {
    hits += hit ? 1 : 0;
    hit = false;
    return std::string();
  };
  std::uint64_t longest = 0;
  const auto result = concheck::explore(o, [&] {
    std::mutex m;
    int a = 0;
    int b = 0;
    std::thread t1([&] {
      {
        std::lock_guard<std::mutex> g(m);
        a = 1;
      }
      std::lock_guard<std::mutex> g(m);
      b = 1;
    });
    std::thread t2([&] {
      int seen_a;
      {
        std::lock_guard<std::mutex> g(m);
        seen_a = a;
      }
      std::lock_guard<std::mutex> g(m);
      if (seen_a == 1 && b == 0) hit = true;
    });
    t1.join();
    t2.join();
  });
  ASSERT_TRUE(result.ok()) << result.error;
  static_cast<void>(longest);
  // n = 3 threads (the body and two workers), k <= 30 steps here.
  const double bound = 1.0 / (3 * 30);
  EXPECT_GE(hits / 1000.0, bound) << hits << " hits in 1000 schedules";
}

TEST(ExploreBasics, VirtualTimeSleepsWithoutWaitingAndTimeoutsAreChoices) {
  std::set<bool> outcomes;
  concheck::explore_options o = with(concheck::explore_strategy::dfs, 1000);
  o.preemption_bound = 3;
  bool timed_out = false;
  std::chrono::steady_clock::duration slept{};
  o.check = [&] {
    outcomes.insert(timed_out);
    return slept >= std::chrono::hours(1) ? std::string() : std::string("the virtual clock did not advance");
  };
  const auto result = concheck::explore(o, [&] {
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::hours(1));
    slept = std::chrono::steady_clock::now() - start;
    std::mutex m;
    std::condition_variable cv;
    bool ready = false;
    std::thread notifier([&] {
      std::lock_guard<std::mutex> g(m);
      ready = true;
      cv.notify_one();
    });
    {
      std::unique_lock<std::mutex> l(m);
      timed_out = !cv.wait_for(l, std::chrono::seconds(30), [&] { return ready; });
    }
    notifier.join();
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
  EXPECT_EQ(outcomes, (std::set<bool>{false, true})) << "both a wake-up and a timeout are explored";
}

std::mutex g_destroyed_mutex;
int g_destroyed = 0;
struct counted {
  int value = 0;
  ~counted() {
    std::lock_guard<std::mutex> g(g_destroyed_mutex);  // a scheduling point in a TLS destructor
    ++g_destroyed;
  }
};
thread_local counted mine;

// A correct polling loop: the waiter times out and waits again until the
// setter has run. A timeout is a choice, but one taken sparingly while
// another thread can run (before the fix, pct chose the high-priority
// poller's timeout forever: a false step-bound-exceeded).
TEST(ExploreBasics, APollingLoopIsNotStarvedByItsOwnTimeouts) {
  for (const auto strategy :
       {concheck::explore_strategy::random, concheck::explore_strategy::pct, concheck::explore_strategy::dfs,
        concheck::explore_strategy::delay, concheck::explore_strategy::automatic}) {
    concheck::explore_options o = with(strategy, 300);
    o.step_bound = 2000;
    const auto result = concheck::explore(o, [] {
      std::mutex m;
      std::condition_variable cv;
      bool done = false;
      std::thread setter([&] {
        std::lock_guard<std::mutex> g(m);
        done = true;
        cv.notify_one();
      });
      {
        std::unique_lock<std::mutex> l(m);
        while (!cv.wait_for(l, std::chrono::milliseconds(1), [&] { return done; })) {
        }
      }
      setter.join();
    });
    EXPECT_TRUE(result.ok()) << "strategy " << static_cast<int>(strategy) << ": "
                             << (result.failure ? result.failure->report : result.error);
  }
}

TEST(ExploreBasics, ThreadLocalsAndTheirDestructorsBehaveAsInANormalRun) {
  std::mutex& m = g_destroyed_mutex;
  int& destroyed = g_destroyed;
  const auto result = concheck::explore(with(concheck::explore_strategy::random, 100), [&] {
    destroyed = 0;
    std::thread a([] { mine.value += 1; });
    std::thread b([] {
      mine.value += 2;
      if (mine.value != 2) throw std::logic_error("thread_local shared between threads");
    });
    a.join();
    b.join();
    // Each worker's thread_local destructor ran before its join returned.
    std::lock_guard<std::mutex> g(m);
    if (destroyed != 2) throw std::logic_error("a thread_local destructor had not run at join");
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

// glibc gives a joined thread's pthread_t (its cached stack) to the next
// thread: the join of the second must wait for the second, not find the
// first's ended record and join the live thread in the kernel while it waits
// for its turn (which stalled libzmq's second context, bench/external/explore_zeromq.sh).
TEST(ExploreBasics, AJoinFindsTheLiveThreadWhenItsHandleWasReused) {
  bool reused = false;
  const auto result = concheck::explore(with(concheck::explore_strategy::random, 50), [&reused] {
    std::thread first([] {});
    const std::thread::id first_id = first.get_id();
    first.join();
    std::mutex m;
    int counted = 0;
    std::thread second([&] {
      std::lock_guard<std::mutex> g(m);
      ++counted;
    });
    if (second.get_id() == first_id) reused = true;
    second.join();
    if (counted != 1) throw std::logic_error("the join returned before the thread ended");
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
  if (!reused) GTEST_SKIP() << "glibc gave the second thread a new handle: the reuse was not exercised";
}

TEST(ExploreBasics, LostWakeupIsADeadlockNamingTheWaiter) {
  const auto result = concheck::explore(with(concheck::explore_strategy::automatic, 100), [] {
    std::mutex m;
    std::condition_variable cv;
    bool ready = false;
    std::thread waiter([&] {
      std::unique_lock<std::mutex> l(m);
      if (!ready) cv.wait(l);  // the bug: `if` and a notify that can come first
    });
    std::thread setter([&] {
      ready = true;  // the bug: set and notified without the mutex, between the check and the wait
      cv.notify_one();
    });
    waiter.join();
    setter.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "deadlock");
  EXPECT_NE(result.failure->report.find("waits for condition variable"), std::string::npos)
      << result.failure->report;
  EXPECT_NE(result.failure->report.find("explore_basics_test.cpp"), std::string::npos)
      << result.failure->report;
  EXPECT_TRUE(result.failure->reproduced);
}

TEST(ExploreBasics, LivelockExceedsTheStepBound) {
  concheck::explore_options o = with(concheck::explore_strategy::random, 10);
  o.step_bound = 500;
  const auto result = concheck::explore(o, [] {
    std::atomic<bool> never{false};
    std::thread spinner([&] {
      while (!never.load()) std::this_thread::yield();
    });
    spinner.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "step-bound-exceeded");
  EXPECT_NE(result.failure->message.find("500 scheduling points"), std::string::npos)
      << result.failure->message;
}

// Bumped when a run of the test below ends, so the spinner it abandoned
// stops; a generation (not a flag) so that the test can run again in the
// same process (--gtest_repeat, a batch of tests) and still spin.
std::atomic<int> g_spin_generation{0};

TEST(ExploreBasics, SpinOnSomethingUncontrolledIsReportedNotHung) {
  concheck::explore_options o = with(concheck::explore_strategy::random, 10);
  o.stall_ms = 200;
  const int generation = g_spin_generation.load();
  const auto result = concheck::explore(o, [generation] {
    static std::atomic<bool> flag{false};
    flag = false;
    std::thread setter([] { flag = true; });
    // Spins without a scheduling point: the setter can never run.
    while (!flag.load() && g_spin_generation.load() == generation) {
    }
    setter.join();
  });
  ++g_spin_generation;  // the abandoned spinner may stop
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "step-bound-exceeded");
  EXPECT_NE(result.failure->message.find("without reaching a scheduling point"), std::string::npos)
      << result.failure->message;
}

// Shards run disjoint schedules whose union is the unsharded run: schedule
// i is the same interleaving whichever shard runs it.
TEST(ExploreBasics, ShardsSplitTheSchedulesWithNoOverlap) {
  const auto traces_of = [](std::uint64_t shard, std::uint64_t shards) {
    std::vector<std::string> traces;
    concheck::explore_options o = with(concheck::explore_strategy::random, 30);
    o.shard_index = shard;
    o.shard_count = shards;
    std::string order;
    o.check = [&] {
      traces.push_back(order);
      order.clear();
      return std::string();
    };
    const auto result = concheck::explore(o, [&] {
      std::mutex m;
      std::thread a([&] {
        for (int i = 0; i < 3; ++i) {
          std::lock_guard<std::mutex> g(m);
          order += 'a';
        }
      });
      for (int i = 0; i < 3; ++i) {
        std::lock_guard<std::mutex> g(m);
        order += 'b';
      }
      a.join();
    });
    EXPECT_TRUE(result.ok()) << result.error;
    return traces;
  };
  const auto all = traces_of(0, 1);
  const auto even = traces_of(0, 2);
  const auto odd = traces_of(1, 2);
  ASSERT_EQ(all.size(), 30u);
  ASSERT_EQ(even.size(), 15u);
  ASSERT_EQ(odd.size(), 15u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i % 2 == 0 ? even[i / 2] : odd[i / 2]) << i;
  concheck::explore_options missing;
  missing.shard_index = 2;
  missing.shard_count = 2;
  EXPECT_NE(concheck::explore(missing, [] {}).error.find("shard 2 of 2 does not exist"), std::string::npos);
}

// A controlled thread that forks: the child (with only that thread) leaves
// the schedule and runs freely; before the fix it waited forever for a turn
// another thread of the schedule would give it.
TEST(ExploreBasics, AChildForkedInAScheduleRunsFreely) {
  const auto result = concheck::explore(with(concheck::explore_strategy::random, 20), [] {
    std::mutex m;
    std::thread other([&] { std::lock_guard<std::mutex> g(m); });
    const pid_t child = fork();
    if (child == 0) {
      std::mutex own;  // `m` may be held by `other`, which the child has not (monitor mode says so)
      for (int i = 0; i < 10; ++i) {
        std::lock_guard<std::mutex> g(own);  // scheduling points, in the child
        std::this_thread::yield();
      }
      _exit(7);
    }
    int status = 0;
    waitpid(child, &status, 0);
    other.join();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 7)
      throw std::logic_error("the child did not run to its end");
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

TEST(ExploreBasics, AFailedCheckFailsTheSchedule) {
  concheck::explore_options o = with(concheck::explore_strategy::random, 100);
  int runs = 0;
  o.check = [&] { return ++runs == 3 ? std::string("third time unlucky") : std::string(); };
  const auto result = concheck::explore(o, [] {});
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->kind, "assertion-failure");
  EXPECT_EQ(result.failure->message, "third time unlucky");
  EXPECT_EQ(result.failure->schedule, 2u);
}

TEST(ExploreBasics, BadOptionsAndTokensAreErrors) {
  concheck::explore_options o;
  o.replay = "cc5-nope";
  auto result = concheck::explore(o, [] {});
  EXPECT_NE(result.error.find("malformed replay token 'cc5-nope'"), std::string::npos) << result.error;
  EXPECT_EQ(result.schedules, 0u);
  o = {};
  o.pct_depth = 0;
  EXPECT_NE(concheck::explore(o, [] {}).error.find("pct_depth"), std::string::npos);
  o = {};
  EXPECT_NE(concheck::explore(o, nullptr).error.find("body is empty"), std::string::npos);
  o = {};
  std::string nested;
  concheck::explore(with(concheck::explore_strategy::random, 1),
                    [&] { nested = concheck::explore(o, [] {}).error; });
  EXPECT_NE(nested.find("inside an explored body"), std::string::npos) << nested;
}

TEST(ExploreBasicsDeathTest, ACrashInAScheduleNamesItsReplayToken) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        concheck::explore_options o = with(concheck::explore_strategy::random, 100);
        concheck::explore(o, [] {
          std::thread t([] { std::abort(); });
          t.join();
        });
      },
      "died with signal 6 \\(ABRT\\).*\n.*CONCHECK_REPLAY=cc5-random-s1-i0");
}

TEST(ExploreBasicsDeathTest, AnExceptionEscapingAWorkerThreadIsReportedWithItsToken) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        concheck::explore_options o = with(concheck::explore_strategy::dfs, 100);
        concheck::explore(o, [] {
          std::thread t([] { throw std::runtime_error("worker failed"); });
          t.join();
        });
      },
      "worker failed(.|\n)*died with signal 6(.|\n)*CONCHECK_REPLAY=cc5-list-");
}

}  // namespace
