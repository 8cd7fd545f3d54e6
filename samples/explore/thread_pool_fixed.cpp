// Explore lesson 6, fixed: the collector counts results, not waits. A wait
// that times out says "not yet", never "done": the collector notes that the
// pool is slow (a real program would log it) and waits for the result again,
// so the total is right whichever waits time out. Explore mode times the
// collector's wait out in many schedules (its clock is virtual: see
// thread_pool_buggy.cpp); the program prints in how many, and every schedule
// still totals 5.
//
// The second wait has no timeout: the timeout was there to notice slowness,
// not to decide anything. A loop of timed waits would be as correct, but
// explore mode's schedules are not fair: its PCT strategy may keep preferring
// the collector's timeout over the runnable workers and report the endless
// polling as `step-bound-exceeded`.
//
// As in the buggy program, results travel through a completion queue built
// on concheck::mutex and concheck::condition_variable, because libstdc++'s
// std::future waits are futex calls that explore mode cannot schedule.
#include <atomic>
#include <chrono>
#include <concheck/concheck.hpp>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "explore_sample.hpp"

namespace {

using namespace std::chrono_literals;

constexpr int kTasks = 3;
constexpr int kWorkers = 2;

// What a worker hands back: which task, and its result.
struct completed {
  int task;
  int value;
};

// Results in the order their tasks complete (Java's CompletionService,
// Python's as_completed).
class completion_queue {
 public:
  void push(completed done) {
    std::lock_guard<concheck::mutex> lock(guard_);
    done_.push_back(done);
    ready_.notify_one();
  }

  // The next result; blocks until there is one.
  completed pop() {
    std::unique_lock<concheck::mutex> lock(guard_);
    ready_.wait(lock, [this] { return !done_.empty(); });
    const completed done = done_.front();
    done_.pop_front();
    return done;
  }

  // The next result, or nothing if none came within `timeout`.
  std::optional<completed> pop_for(std::chrono::milliseconds timeout) {
    std::unique_lock<concheck::mutex> lock(guard_);
    if (!ready_.wait_for(lock, timeout, [this] { return !done_.empty(); })) return std::nullopt;
    const completed done = done_.front();
    done_.pop_front();
    return done;
  }

 private:
  concheck::mutex guard_{"completions"};
  concheck::condition_variable ready_{"completions"};
  std::deque<completed> done_;
};

// kWorkers threads take tasks 0 .. kTasks-1 in turn; task i takes 10 ms and
// computes i * i.
class thread_pool {
 public:
  explicit thread_pool(completion_queue& completions) : completions_(completions) {
    for (int i = 0; i < kWorkers; ++i) {
      workers_.emplace_back(concheck::thread_name("pool-" + std::to_string(i + 1)), [this] { work(); });
    }
  }
  ~thread_pool() {
    for (concheck::thread& worker : workers_) worker.join();
  }

 private:
  void work() {
    for (;;) {
      int task;
      {
        std::lock_guard<concheck::mutex> lock(guard_);
        if (next_task_ == kTasks) return;
        task = next_task_++;
      }
      std::this_thread::sleep_for(10ms);  // the work (virtual time in explore mode)
      completions_.push({task, task * task});
    }
  }

  completion_queue& completions_;
  concheck::mutex guard_{"tasks"};
  int next_task_ = 0;
  std::vector<concheck::thread> workers_;
};

int collect_total(completion_queue& completions, int& slow_waits) {
  int total = 0;
  for (int collected = 0; collected < kTasks; ++collected) {
    std::optional<completed> done = completions.pop_for(50ms);
    if (!done) {
      ++slow_waits;              // not yet: note that the pool is slow (a real program logs it)...
      done = completions.pop();  // ...and wait for the result itself
    }
    total += done->value;
  }
  return total;
}

}  // namespace

int main() {
  static std::atomic<int> timed_out_schedules{0};
  const int status = samples::explore_sample("thread_pool_fixed", [] {
    completion_queue completions;
    int total;
    int slow_waits = 0;
    {
      thread_pool pool(completions);
      total = collect_total(completions, slow_waits);
    }
    if (slow_waits > 0) ++timed_out_schedules;
    if (total != 0 + 1 + 4) throw std::logic_error("total " + std::to_string(total) + ", not 5");
  });
  std::printf("thread_pool_fixed: the collector's wait timed out in %d of them\n",
              timed_out_schedules.load());
  return status;
}
