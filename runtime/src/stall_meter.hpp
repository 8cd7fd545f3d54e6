// concheck runtime: how long explore's stall watch holds a controlled thread
// responsible for reaching no scheduling point (docs/explore.md, "Failures").
// INTERNAL.
//
// The rule, between two samples of the running thread (its state and CPU
// time, from /proc/self/task/TID/stat) taken while it reached no point:
// - asleep (state S) at both samples: it waits on something concheck does
//   not control (a pipe, a socket, an uncontrolled futex): the real time
//   between them counts;
// - otherwise (R running or runnable, D in a disk wait, T stopped, ...): only
//   the CPU time it used counts, so a spin counts and a thread the machine
//   does not run (load, a disk, a stop) does not;
// - no reading (no /proc): the real time counts, as before the rule.
// The thread is stalled once the time counted since its last scheduling
// point reaches stall_ms. stall_meter is a pure function of its readings
// (unit-tested with synthetic ones); read_thread_sample does the reading
// with open/read/close only (no lock, no allocation): the watch calls it
// while the stalled thread may hold any lock of the process.
#pragma once

#include <cstdint>

namespace concheck::detail::explore {

struct thread_sample {
  char state = 0;            // /proc's state letter; 0: not read
  std::uint64_t cpu_ns = 0;  // user + system time
};

// The state and CPU time of thread `tid` of this process; state 0 when it
// cannot be read. `ns_per_tick`: 1e9 / sysconf(_SC_CLK_TCK).
thread_sample read_thread_sample(int tid, std::uint64_t ns_per_tick) noexcept;

class stall_meter {
 public:
  // A scheduling point (or another running thread) at real time `real_ns`.
  void restart(std::uint64_t real_ns, thread_sample sample) noexcept;
  // A sample with no point since the last one; returns the time counted
  // against the thread since restart().
  std::uint64_t observe(std::uint64_t real_ns, thread_sample sample) noexcept;
  std::uint64_t counted_ns() const noexcept { return counted_; }

 private:
  std::uint64_t last_real_ = 0;
  thread_sample last_{};
  std::uint64_t counted_ = 0;
};

}  // namespace concheck::detail::explore
