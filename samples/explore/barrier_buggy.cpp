// Explore lesson 5, buggy: a barrier written for one phase, reused for the
// next. The last thread to arrive resets the count to 0 and wakes the others,
// who wait for "count == 0". But the last thread does not wait: it runs its
// next phase and arrives again (count 1) before a slow waiter has woken up
// and looked. The slow one sees 1, not 0, and sleeps on; the fast one waits
// for it at the next phase: a `deadlock`. The waiters need to know which
// phase they wait for (a generation number), which is what concheck::barrier
// and std::barrier keep.
#include <array>
#include <concheck/concheck.hpp>
#include <mutex>
#include <stdexcept>
#include <string>

#include "explore_sample.hpp"

namespace {

constexpr int kWorkers = 2;
constexpr int kPhases = 3;

class one_shot_barrier {
 public:
  explicit one_shot_barrier(int expected) : expected_(expected) {}

  void arrive_and_wait() {
    std::unique_lock<concheck::mutex> lock(guard_);
    if (++arrived_ == expected_) {
      arrived_ = 0;  // reset for the next phase
      all_arrived_.notify_all();
      return;
    }
    all_arrived_.wait(lock, [this] { return arrived_ == 0; });  // the bug: 0 again only by luck
  }

 private:
  concheck::mutex guard_{"phase"};
  concheck::condition_variable all_arrived_{"phase"};
  const int expected_;
  int arrived_ = 0;
};

}  // namespace

int main() {
  return samples::explore_sample("barrier_buggy", [] {
    one_shot_barrier phase_end(kWorkers);
    std::array<std::array<int, kWorkers>, kPhases + 1> written{};
    std::array<bool, kWorkers> saw_stale{};
    const auto worker = [&](int me) {
      const int other = 1 - me;
      for (int phase = 1; phase <= kPhases; ++phase) {
        written[phase][me] = phase;                                        // this phase's work
        if (written[phase - 1][other] != phase - 1) saw_stale[me] = true;  // the previous phase's
        phase_end.arrive_and_wait();
      }
    };
    concheck::thread worker_one(concheck::thread_name("worker-1"), worker, 0);
    concheck::thread worker_two(concheck::thread_name("worker-2"), worker, 1);
    worker_one.join();
    worker_two.join();
    if (saw_stale[0] || saw_stale[1]) throw std::logic_error("a worker started a phase too early");
  });
}
