// Explore mode: a thread whose retry must fail is blocked, not runnable
// (docs/event-model.md "Scheduling points", issue 11). An unlock makes the
// lock's waiters runnable; if another thread takes the lock before a waiter
// runs, the waiter's retry could only fail, so the scheduler blocks it again
// instead of offering it as a choice. Checked on the decisions themselves:
// a thread that resumes from a lock wait never waits again at its very next
// point.
#include <gtest/gtest.h>

#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

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

struct waits {
  int total = 0;         // points where a thread blocked
  int back_to_back = 0;  // ... right after resuming from a wait: a retry that failed
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
    const schedule_outcome o = run_schedule(*chooser, 100000, body, nullptr, 10000);
    EXPECT_FALSE(o.failed) << (o.finding ? o.finding->message : "");
    EXPECT_EQ(o.decisions.size(), o.kinds.size());
    std::vector<point_kind> last(16, point_kind::yield);
    int at = 0;
    for (std::size_t j = 0; j < o.kinds.size(); ++j) {
      if (o.kinds[j] == point_kind::wait) {
        ++out.total;
        if (last[static_cast<std::size_t>(at)] == point_kind::wait) ++out.back_to_back;
      }
      last[static_cast<std::size_t>(at)] = o.kinds[j];
      at = o.decisions[j];
    }
    out.steps += o.steps;
  }
  return out;
}

TEST(ExploreBlocked, AWaiterWhoseLockWasTakenAgainIsNeverChosen) {
  const waits w = count_waits(&rounds<std::mutex>, 200);
  EXPECT_GT(w.total, 200) << "the body contends: threads do block";
  EXPECT_EQ(w.back_to_back, 0) << "a woken waiter was chosen after the lock was taken again (" << w.total
                               << " waits in " << w.steps << " steps)";
}

TEST(ExploreBlocked, AWaiterForAReaderWriterLockTakenExclusivelyIsNeverChosen) {
  const waits w = count_waits(&rounds<std::shared_mutex>, 200);
  EXPECT_GT(w.total, 200);
  EXPECT_EQ(w.back_to_back, 0);
}

}  // namespace
}  // namespace concheck::detail::explore
