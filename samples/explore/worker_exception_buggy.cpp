// Explore lesson 7, buggy: an exception thrown in a worker thread. Two
// workers parse jobs from a shared queue; one job is malformed and std::stoi
// throws std::invalid_argument in whichever worker takes it. Nothing in the
// thread function catches it, and an exception that leaves a thread function
// calls std::terminate: the whole process aborts, whatever the joiner would
// have done. Explore mode cannot report this like the other failures (the
// process is ending); before it dies, concheck writes which controlled
// thread died and the replay token of the schedule, so the crash can be
// replayed under a debugger. This program therefore ends with SIGABRT, not
// with a verdict.
#include <concheck/concheck.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "explore_sample.hpp"

namespace {

class job_queue {
 public:
  job_queue() : jobs_{"12", "x", "30"} {}

  std::optional<std::string> take() {
    std::lock_guard<concheck::mutex> lock(guard_);
    if (jobs_.empty()) return std::nullopt;
    std::string job = jobs_.front();
    jobs_.pop_front();
    return job;
  }

 private:
  concheck::mutex guard_{"jobs"};
  std::deque<std::string> jobs_;
};

}  // namespace

int main() {
  return samples::explore_sample("worker_exception_buggy", [] {
    job_queue jobs;
    concheck::mutex total_guard("total");
    int total = 0;
    const auto worker = [&] {
      while (const std::optional<std::string> job = jobs.take()) {
        const int value = std::stoi(*job);  // the bug: throws for "x", and nothing catches it
        std::lock_guard<concheck::mutex> lock(total_guard);
        total += value;
      }
    };
    concheck::thread worker_one(concheck::thread_name("worker-1"), worker);
    concheck::thread worker_two(concheck::thread_name("worker-2"), worker);
    worker_one.join();
    worker_two.join();
  });
}
