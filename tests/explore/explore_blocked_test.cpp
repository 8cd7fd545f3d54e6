// Explore mode: a thread whose retry must fail is blocked, not runnable
// (docs/event-model.md "Scheduling points", issue 11). An unlock makes the
// lock's waiters runnable; if another thread takes the lock before a waiter
// runs, the waiter's retry could only fail, so the scheduler blocks it again
// instead of offering it as a choice. Checked on the decisions themselves:
// a thread that resumes from a lock wait never waits again at its very next
// point.
#include <gtest/gtest.h>
#include <sched.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "concheck/explore.hpp"
#include "explore_scheduler.hpp"
#include "explore_strategies.hpp"

namespace concheck::detail::explore {
namespace {

template <class Lock>
void rounds(void*) {
  Lock m;
  long counter = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&] {
      for (int r = 0; r < 4; ++r) {
        m.lock();
        ++counter;
        m.unlock();
      }
    });
  }
  for (auto& w : workers) w.join();
}

// A consumer takes 4 items the producer (T0) pushes, notified under the
// lock. The mutex is taken once first, so that concheck knows it before the
// threads contend (lock_point leaves out only a lock it has seen), and a
// single consumer never waits again for an item another took: its only
// waits are a condition wait's point and block, two in a row.
void producer_consumer(void*) {
  std::mutex m;
  std::condition_variable cv;
  std::deque<int> items;
  m.lock();
  m.unlock();
  std::thread consumer([&] {
    for (int i = 0; i < 4; ++i) {
      std::unique_lock<std::mutex> l(m);
      while (items.empty()) cv.wait(l);
      items.pop_front();
    }
  });
  for (int i = 0; i < 4; ++i) {
    std::lock_guard<std::mutex> g(m);
    items.push_back(i);
    cv.notify_one();
  }
  consumer.join();
}

// Two readers and a writer on one std::shared_mutex (pthread_rwlock_t),
// 4 rounds each. The lock is taken once first, so that concheck knows it
// before the threads contend.
// The most readers seen inside the lock at once, over all schedules.
std::atomic<int> g_most_readers{0};

void readers_and_writer(void*) {
  std::shared_mutex m;
  long value = 0;
  std::atomic<int> readers{0};
  m.lock();
  m.unlock();
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t) {
    workers.emplace_back([&] {
      for (int r = 0; r < 4; ++r) {
        std::shared_lock<std::shared_mutex> l(m);
        const int inside = ++readers;
        if (inside > g_most_readers.load()) g_most_readers.store(inside);
        if (value < 0) std::abort();
        sched_yield();  // a scheduling point while holding it shared
        --readers;
      }
    });
  }
  workers.emplace_back([&] {
    for (int r = 0; r < 4; ++r) {
      std::lock_guard<std::shared_mutex> g(m);
      ++value;
    }
  });
  for (auto& w : workers) w.join();
}

// Three workers share a semaphore of one count (a mutex made of `take` and
// sem_post), 4 rounds each, with a scheduling point while they hold it.
template <typename Take>
void semaphore_rounds_with(Take take) {
  sem_t s;
  sem_init(&s, 0, 1);
  long counter = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&] {
      for (int r = 0; r < 4; ++r) {
        take(&s);
        ++counter;
        sched_yield();  // a scheduling point while the count is 0
        sem_post(&s);
      }
    });
  }
  for (auto& w : workers) w.join();
  sem_destroy(&s);
}

void semaphore_rounds(void*) {
  semaphore_rounds_with([](sem_t* s) { sem_wait(s); });
}

// The same with sem_timedwait (a timed waiter is offered at its point and
// blocks; once blocked, its timeout is a choice, and a timed-out worker
// tries again).
void timed_semaphore_rounds(void*) {
  semaphore_rounds_with([](sem_t* s) {
    timespec until{};
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 3600;
    while (sem_timedwait(s, &until) != 0) {
    }
  });
}

struct waits {
  int total = 0;           // points where a thread blocked
  int back_to_back = 0;    // ... right after resuming from a wait: a retry that failed
  int by_workers = 0;      // ... by a thread other than T0 (T0 only joins)
  int third_in_a_row = 0;  // ... after two: a condition wait's point and block, then its mutex
  std::uint64_t steps = 0;
};

// Runs `body` under the random walk's schedules 0..count-1 and counts, per
// thread, the wait points that directly follow its own previous wait point.
// The thread at step 0 is T0; the thread at step j+1 is decision j.
waits count_waits(void (*body)(void*), int count) {
  check_cpus();
  waits out;
  for (int index = 0; index < count; ++index) {
    strategy_params p;
    p.kind = strategy_kind::random;
    p.seed = 5;
    p.index = static_cast<std::uint64_t>(index);
    auto chooser = make_strategy(p);
    const schedule_outcome o = run_schedule(*chooser, 100000, 100000000, body, nullptr, 10000);
    EXPECT_FALSE(o.failed) << (o.finding ? o.finding->message : "");
    EXPECT_EQ(o.decisions.size(), o.kinds.size());
    std::vector<point_kind> last(16, point_kind::yield);
    std::vector<point_kind> before_last(16, point_kind::yield);
    int at = 0;
    for (std::size_t j = 0; j < o.kinds.size(); ++j) {
      if (o.kinds[j] == point_kind::wait) {
        ++out.total;
        if (at != 0) ++out.by_workers;
        if (last[static_cast<std::size_t>(at)] == point_kind::wait) ++out.back_to_back;
        if (last[static_cast<std::size_t>(at)] == point_kind::wait &&
            before_last[static_cast<std::size_t>(at)] == point_kind::wait)
          ++out.third_in_a_row;
      }
      before_last[static_cast<std::size_t>(at)] = last[static_cast<std::size_t>(at)];
      last[static_cast<std::size_t>(at)] = o.kinds[j];
      at = o.decisions[j];
    }
    out.steps += o.steps;
  }
  return out;
}

// std::mutex::lock: a thread at its lock point while another thread holds
// the lock is not chosen at all, so a worker never blocks: the only waits
// are T0's joins. (The body's mutex is new in each schedule, and its first
// acquisition, before concheck has seen it, is still offered: one at most.)
TEST(ExploreBlocked, AThreadAboutToWaitForAHeldLockIsNeverChosen) {
  const waits w = count_waits(&rounds<std::mutex>, 200);
  EXPECT_EQ(w.back_to_back, 0) << w.total << " waits in " << w.steps << " steps";
  EXPECT_LE(w.by_workers, 200) << w.total << " waits in " << w.steps << " steps";
}

// std::shared_mutex::lock (a reader-writer lock taken exclusively): as
// std::mutex, a writer at its lock point while another holds the lock is not
// chosen, so workers block at most at the lock's first acquisition.
TEST(ExploreBlocked, AWriterAboutToWaitForAHeldLockIsNeverChosen) {
  const waits w = count_waits(&rounds<std::shared_mutex>, 200);
  EXPECT_EQ(w.back_to_back, 0) << "a woken waiter was chosen after the lock was taken again (" << w.total
                               << " waits in " << w.steps << " steps)";
  EXPECT_LE(w.by_workers, 200) << w.total << " waits in " << w.steps << " steps";
}

// Readers and a writer: a reader at its point while the writer holds the
// lock, and the writer at its point while a reader holds it, are not
// chosen; readers are offered while only readers hold it (their attempt
// succeeds). No worker ever blocks, and readers do overlap.
TEST(ExploreBlocked, ReadersAndWritersAboutToWaitForAnExcludingHolderAreNeverChosen) {
  const waits w = count_waits(&readers_and_writer, 200);
  EXPECT_EQ(w.by_workers, 0) << w.total << " waits in " << w.steps << " steps";
  EXPECT_EQ(g_most_readers.load(), 2) << "the two readers never held the lock together";
}

// A semaphore: a thread at its sem_wait while the count is 0 is not
// chosen, and a waiter a post woke is blocked again once another thread
// took the count. Workers never block (the semaphore is known from its
// first use: its count, not a registration, decides).
TEST(ExploreBlocked, ASemaphoreWaiterWithNoCountIsNeverChosen) {
  const waits w = count_waits(&semaphore_rounds, 200);
  EXPECT_EQ(w.by_workers, 0) << w.total << " waits in " << w.steps << " steps";
}

// A timed semaphore wait blocks, and a post wakes every waiter: once one of
// them took the count, the others could only fail their retry, and are
// blocked again instead of being offered.
TEST(ExploreBlocked, ASemaphoreWaiterWhoseCountWasTakenAgainIsNeverChosen) {
  const waits w = count_waits(&timed_semaphore_rounds, 200);
  EXPECT_GT(w.by_workers, 200) << "timed waiters do block";
  EXPECT_EQ(w.back_to_back, 0) << w.total << " waits in " << w.steps << " steps";
}

// A third wait in a row would be the re-acquisition of the mutex failing
// because the notifier still holds it: the woken waiter is not offered
// until the mutex is released.
TEST(ExploreBlocked, AWaiterNotifiedUnderTheLockIsNotChosenBeforeTheUnlock) {
  const waits w = count_waits(&producer_consumer, 200);
  EXPECT_GT(w.back_to_back, 200) << "the consumers do wait";
  EXPECT_EQ(w.third_in_a_row, 0) << w.total << " waits in " << w.steps << " steps";
}

// A thread left out at its lock point because the lock is held still
// registers its wait when nothing else can run: the deadlock report draws
// the cycle (T0 holds the mutex and joins the worker, which waits for it).
TEST(ExploreBlocked, ALeftOutWaiterStillAppearsInTheDeadlockReport) {
  concheck::explore_options o;
  o.strategy = concheck::explore_strategy::random;
  o.schedules = 5;
  const auto result = concheck::explore(o, [] {
    std::mutex m;
    m.lock();
    std::thread worker([&] {
      m.lock();
      m.unlock();
    });
    worker.join();
    m.unlock();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "deadlock") << result.failure->report;
  const std::string& report = result.failure->report;
  EXPECT_NE(report.find("wait for each other in a cycle"), std::string::npos) << report;
  EXPECT_NE(report.find("waits for 'm'"), std::string::npos) << report;
  EXPECT_NE(report.find("waits for join"), std::string::npos) << report;
  EXPECT_TRUE(result.failure->reproduced) << result.failure->report;
}

}  // namespace
}  // namespace concheck::detail::explore
