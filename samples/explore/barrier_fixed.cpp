// Explore lesson 5, fixed: concheck::barrier (std::barrier's interface)
// counts phases: a waiter waits for its phase to turn, not for a count to
// come back to a value, so a fast thread arriving for the next phase cannot
// hide the turn from a slow one. Each phase reads what the other worker
// wrote in the phase before, which is safe only because no worker starts a
// phase before both finished the previous one.
#include <array>
#include <concheck/concheck.hpp>
#include <stdexcept>
#include <string>

#include "explore_sample.hpp"

namespace {

constexpr int kWorkers = 2;
constexpr int kPhases = 3;

}  // namespace

int main() {
  return samples::explore_sample("barrier_fixed", [] {
    concheck::barrier phase_end(kWorkers, "phase");
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
