// Explore lesson 6, buggy: collecting a thread pool's results as they
// complete, with a timeout that is "plenty". Each task takes 10 ms and the
// collector waits at most 50 ms for the next result, so on an idle machine
// no wait ever times out; when one does (a loaded machine, a swapped-out
// worker), the collector counts the timeout as a task collected and returns a
// total with a result missing. Explore mode runs on a virtual clock where
// running code takes no time and a timed wait may time out whenever its
// deadline is the earliest one pending: no timeout is long enough there, so
// code that is wrong when a timeout fires is found, however long it is.
//
// The pool's results travel through a completion queue built on
// concheck::mutex and concheck::condition_variable, not std::future:
// libstdc++'s future waits are futex system calls that concheck does not
// control (docs/explore.md, "Not controlled"), so a collector blocked in
// std::future::wait_for would stall the schedule instead of letting the
// scheduler run a worker or time the wait out.
#include <chrono>
#include <concheck/concheck.hpp>
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

int collect_total(completion_queue& completions) {
  int total = 0;
  for (int waits = 0; waits < kTasks; ++waits) {  // the bug: one wait per task, as if none timed out
    if (const std::optional<completed> done = completions.pop_for(50ms)) total += done->value;
  }
  return total;
}

}  // namespace

int main() {
  return samples::explore_sample("thread_pool_buggy", [] {
    completion_queue completions;
    int total;
    {
      thread_pool pool(completions);
      total = collect_total(completions);
    }
    if (total != 0 + 1 + 4) throw std::logic_error("total " + std::to_string(total) + ", not 5");
  });
}
