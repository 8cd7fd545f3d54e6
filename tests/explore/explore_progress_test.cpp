// Explore mode: the step bound counts only the steps without progress
// (yields, failed try-locks, timeouts, an atomic polled again by a thread
// running alone), so a long correct body passes and a livelock still fails
// as step-bound-exceeded with a token that fails the same way again;
// max_steps bounds a schedule's length in all (docs/explore.md, "Long
// schedules and livelocks").
#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "concheck/explore.hpp"

namespace {

concheck::explore_options progress_options(concheck::explore_strategy strategy, std::uint64_t schedules) {
  concheck::explore_options o;
  o.strategy = strategy;
  o.schedules = schedules;
  return o;
}

constexpr concheck::explore_strategy kEveryStrategy[] = {
    concheck::explore_strategy::random, concheck::explore_strategy::pct, concheck::explore_strategy::dfs,
    concheck::explore_strategy::delay};

// Runs the failure's token again: it must fail the same way.
void expect_replay_fails_the_same_way(const concheck::explore_options& options,
                                      const concheck::explore_failure& failure,
                                      const std::function<void()>& body) {
  EXPECT_TRUE(failure.reproduced) << failure.divergence;
  concheck::explore_options replay = options;
  replay.replay = failure.token;
  const auto again = concheck::explore(replay, body);
  ASSERT_TRUE(again.failure) << failure.token << " " << again.error;
  EXPECT_EQ(again.failure->kind, failure.kind);
  // The same counts; thread ids go on growing in the process.
  const auto counts = [](const std::string& message) { return message.substr(0, message.rfind(" (T")); };
  EXPECT_EQ(counts(again.failure->message), counts(failure.message));
}

// Two threads each take and release one mutex many times: every step makes
// progress, so a schedule 12 times longer than the step bound passes (it
// failed as step-bound-exceeded when the bound counted every step).
TEST(ExploreProgress, ALongCorrectBodyIsNotALivelock) {
  for (const auto strategy : kEveryStrategy) {
    auto options = progress_options(strategy, 3);
    options.step_bound = 1000;
    const auto result = concheck::explore(options, [] {
      std::mutex m;
      long n = 0;
      const auto work = [&] {
        for (int i = 0; i < 3000; ++i) {
          std::lock_guard<std::mutex> g(m);
          ++n;
        }
      };
      std::thread other(work);
      work();
      other.join();
      if (n != 6000) throw std::logic_error("lost update");
    });
    EXPECT_TRUE(result.ok()) << static_cast<int>(strategy) << ": "
                             << (result.failure ? result.failure->report : result.error);
  }
}

// kyotocabinet's begin_transaction: a waiter takes the lock, sees the owner's
// transaction still open, releases the lock and yields, until the owner,
// which works under the same lock, closes it. Correct. The polls are yields
// with a lock and an unlock between them; the waiter gives way after a few
// of them all the same, so a strategy that keeps it running (pct with the
// waiter first, the bounded search without a preemption) does not starve
// the owner (it did, until the step bound, when the lock's points started
// the waiter's count over).
TEST(ExploreProgress, APollingLoopWithALockAroundItsCheckLetsTheOwnerFinish) {
  for (const auto strategy : kEveryStrategy) {
    auto options = progress_options(strategy, 40);
    options.step_bound = 2000;
    const auto result = concheck::explore(options, [] {
      std::mutex m;
      bool in_transaction = true;  // the owner (this thread) begins it
      int records = 0;
      std::thread waiter([&] {
        for (;;) {
          m.lock();
          if (!in_transaction) break;
          m.unlock();
          sched_yield();
        }
        ++records;
        m.unlock();
      });
      for (int i = 0; i < 50; ++i) {
        std::lock_guard<std::mutex> g(m);
        ++records;
      }
      {
        std::lock_guard<std::mutex> g(m);
        in_transaction = false;
      }
      waiter.join();
      if (records != 51) throw std::logic_error("lost record");
    });
    EXPECT_TRUE(result.ok()) << static_cast<int>(strategy) << ": "
                             << (result.failure ? result.failure->report : result.error);
  }
}

// A waiter yields until the setter sets a flag, while a third thread does
// long work of its own. Under pct with the waiter first, the worker second
// and the setter last, the waiter gave way at each of its polls and came
// back at the worker's next step: one spin step for every step of the
// worker's, past the bound. Once it has given way, the waiter is left out
// until each thread that could run then (the setter among them) has run:
// the worker runs alone, then the setter, and the waiter polls a few times.
TEST(ExploreProgress, AThreadThatGaveWayWaitsForEveryThreadThatCouldRun) {
  auto options = progress_options(concheck::explore_strategy::pct, 30);
  options.step_bound = 1000;
  const auto result = concheck::explore(options, [] {
    std::mutex m;
    bool set = false;
    std::thread waiter([&] {
      for (;;) {
        {
          std::lock_guard<std::mutex> g(m);
          if (set) break;
        }
        sched_yield();
      }
    });
    std::thread worker([] {
      std::mutex own;
      for (int i = 0; i < 3000; ++i) {
        std::lock_guard<std::mutex> g(own);
      }
    });
    std::thread setter([&] {
      std::lock_guard<std::mutex> g(m);
      set = true;
    });
    waiter.join();
    worker.join();
    setter.join();
  });
  EXPECT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

// Two threads each hold one mutex and retry try_lock on the other's (with a
// yield, and without): neither ever succeeds. Every schedule is a livelock:
// failed try-locks (and yields) are no progress.
TEST(ExploreProgress, ATryLockLivelockIsReportedAndReplays) {
  for (const bool yield : {true, false}) {
    for (const auto strategy : {concheck::explore_strategy::random, concheck::explore_strategy::pct,
                                concheck::explore_strategy::dfs}) {
      auto options = progress_options(strategy, 5);
      options.step_bound = 500;
      const std::function<void()> body = [yield] {
        std::mutex a;
        std::mutex b;
        std::atomic<int> holding{0};
        const auto grab = [&](std::mutex& own, std::mutex& theirs) {
          own.lock();
          holding.fetch_add(1);
          while (holding.load() < 2) sched_yield();  // both hold their own first
          while (!theirs.try_lock()) {
            if (yield) sched_yield();
          }
          theirs.unlock();
          own.unlock();
        };
        std::thread other([&] { grab(b, a); });
        grab(a, b);
        other.join();
      };
      const auto result = concheck::explore(options, body);
      ASSERT_TRUE(result.failure) << static_cast<int>(strategy) << " " << result.error;
      EXPECT_EQ(result.failure->kind, "step-bound-exceeded");
      EXPECT_NE(result.failure->message.find("more than 500 scheduling points without progress"),
                std::string::npos)
          << result.failure->message;
      expect_replay_fails_the_same_way(options, *result.failure, body);
    }
  }
}

// A thread yields until a flag nobody sets is set: a livelock, under every
// strategy, with a token that fails again.
TEST(ExploreProgress, AYieldLoopOnAFlagNobodySetsIsReportedAndReplays) {
  for (const auto strategy : kEveryStrategy) {
    auto options = progress_options(strategy, 3);
    options.step_bound = 500;
    const std::function<void()> body = [] {
      std::atomic<bool> never{false};
      std::thread spinner([&] {
        while (!never.load()) sched_yield();
      });
      spinner.join();
    };
    const auto result = concheck::explore(options, body);
    ASSERT_TRUE(result.failure) << static_cast<int>(strategy) << " " << result.error;
    EXPECT_EQ(result.failure->kind, "step-bound-exceeded");
    expect_replay_fails_the_same_way(options, *result.failure, body);
  }
}

// leveldb's skiplist_test: a reader works (points on alternating locks, so
// no polling loop) until the writer sets a plain atomic flag, which is no
// scheduling point in uninstrumented code. A strategy that keeps the reader
// running (the bounded searches past their preemption, pct with the reader
// first) ran it until max_steps; a thread that went on kFairQuantum points
// in a row while another could run now gives way, and the writer sets the
// flag.
TEST(ExploreProgress, AThreadWaitingOnAPlainFlagBetweenItsPointsLetsTheSetterRun) {
  for (const auto strategy : kEveryStrategy) {
    auto options = progress_options(strategy, 8);
    options.max_steps = 300000;
    const auto result = concheck::explore(options, [] {
      std::mutex a;
      std::mutex b;
      std::atomic<bool> quit{false};
      long reads = 0;
      std::thread reader([&] {
        while (!quit.load(std::memory_order_acquire)) {
          std::lock_guard<std::mutex> g(reads % 2 == 0 ? a : b);
          ++reads;
        }
      });
      {
        std::lock_guard<std::mutex> g(a);  // a point: the reader may be running by now
      }
      quit.store(true, std::memory_order_release);
      reader.join();
    });
    EXPECT_TRUE(result.ok()) << static_cast<int>(strategy) << ": "
                             << (result.failure ? result.failure->report : result.error);
  }
}

// A thread that never ends but makes progress at every step (a worker whose
// stop flag nobody sets) is not a livelock; max_steps ends it, and the
// message says so.
TEST(ExploreProgress, AThreadThatNeverEndsExceedsMaxSteps) {
  auto options = progress_options(concheck::explore_strategy::pct, 2);
  options.max_steps = 5000;
  const std::function<void()> body = [] {
    std::mutex m;
    bool stop = false;
    long done = 0;
    std::thread worker([&] {
      for (;;) {
        std::lock_guard<std::mutex> g(m);
        if (stop) break;
        ++done;
      }
    });
    worker.join();
  };
  const auto result = concheck::explore(options, body);
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "step-bound-exceeded");
  EXPECT_NE(result.failure->message.find("did not end within 5000 scheduling points in all"),
            std::string::npos)
      << result.failure->message;
  expect_replay_fails_the_same_way(options, *result.failure, body);
}

TEST(ExploreProgress, MaxStepsMustBePositive) {
  auto options = progress_options(concheck::explore_strategy::pct, 1);
  options.max_steps = 0;
  const auto result = concheck::explore(options, [] {});
  EXPECT_NE(result.error.find("max_steps"), std::string::npos) << result.error;
}

}  // namespace
