// concheck analyzer: the time a supervised child is charged for (private).
//
// --file-time-limit judges what a file costs, not how busy the machine is.
// On a shared machine at load 10, a parse takes several times its CPU time
// in real time, and a real-time limit then stops files that only waited for
// a CPU (bench/analyzer/README.md: thrift's largest file took 128 s of real
// time against the default limit of 120 s at load 11-15). So a child is
// charged, between two samples:
//   - the real time, when every thread of it was asleep at both samples
//     (state S: blocked on a read nobody answers, such as an #include of a
//     FIFO, which burns no CPU and never ends);
//   - its CPU time (user + system, all threads), otherwise.
// Not charged: time runnable but waiting for a CPU (load), in uninterruptible
// disk waits (D), stopped (T, t). A child that computes forever is charged
// its CPU time and one that waits forever its real time, so both reach the
// limit. libclang parses on a thread of its own while the calling thread
// waits (CIndex's RunSafely), so the state must be every thread's, not the
// leader's.
// Cost: two /proc reads plus one per thread, per sample (every 10 ms).
#pragma once

#include <sys/types.h>

namespace concheck::analyzer {

struct child_sample {
  bool valid = false;
  bool asleep = false;      // every thread in state S
  double cpu_seconds = 0;   // user + system of the whole process
  double wall_seconds = 0;  // when it was taken (any fixed origin)
};

// Samples `pid` now (`wall_seconds` is the caller's clock reading); invalid
// when /proc has no such process (it ended).
child_sample sample_child(pid_t pid, double wall_seconds);

// What the interval from `before` to `after` charges (above); 0 if either
// sample is invalid.
double charged_seconds(const child_sample& before, const child_sample& after);

}  // namespace concheck::analyzer
