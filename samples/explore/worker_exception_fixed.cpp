// Explore lesson 7, fixed: each worker catches whatever its job throws and
// hands it to the thread that joins it through a std::exception_ptr
// (std::async and std::packaged_task do the same through their future). The
// joiner rethrows it where it can be handled: here it reports the rejected
// job, and the other jobs still count. Every schedule rejects "x" once and
// totals 42, whichever worker took it.
#include <array>
#include <concheck/concheck.hpp>
#include <deque>
#include <exception>
#include <functional>
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
  return samples::explore_sample("worker_exception_fixed", [] {
    job_queue jobs;
    concheck::mutex total_guard("total");
    int total = 0;
    std::array<std::exception_ptr, 2> failures;  // each written by its worker, read after the join
    const auto worker = [&](std::exception_ptr& failure) {
      try {
        while (const std::optional<std::string> job = jobs.take()) {
          const int value = std::stoi(*job);
          std::lock_guard<concheck::mutex> lock(total_guard);
          total += value;
        }
      } catch (...) {
        failure = std::current_exception();
      }
    };
    concheck::thread worker_one(concheck::thread_name("worker-1"), worker, std::ref(failures[0]));
    concheck::thread worker_two(concheck::thread_name("worker-2"), worker, std::ref(failures[1]));
    worker_one.join();
    worker_two.join();
    int rejected = 0;
    for (const std::exception_ptr& failure : failures) {
      if (!failure) continue;
      try {
        std::rethrow_exception(failure);
      } catch (const std::invalid_argument&) {
        ++rejected;  // a malformed job: reported, the others still count
      }
    }
    if (rejected != 1 || total != 42) {
      throw std::logic_error(std::to_string(rejected) + " jobs rejected, total " + std::to_string(total));
    }
  });
}
