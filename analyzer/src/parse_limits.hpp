// concheck analyzer: a time and memory limit on the work of one translation
// unit (private).
//
// libclang gives no way to stop a parse from outside, and its parses run on
// threads of our one process: a source that does `#include "/dev/zero"`
// makes libclang read and grow ~170 MB/s without end, and a thread cannot be
// killed. So each parse (and the extraction of its facts) runs in a child
// process forked from the worker thread that wants it: the worker watches
// it every 10 ms, and kills it (SIGKILL) when the time it is charged for
// (child_time.hpp: its CPU time, and real time only while it waits asleep,
// so load on the machine does not count) passes the time limit or its
// resident memory has grown by more than the memory limit since
// the fork. Killing a process gives every byte back, so memory really is
// bounded (to the limit plus ~10 ms of growth) and the other files go on.
// The child sends its result (facts_wire.hpp) back through a pipe and ends
// with _exit, running no destructor and no atexit handler of the parent's
// (nor disposing of its AST: the process ends). Its temporary files
// (libclang's preamble files) go to a private folder (TMPDIR in the child)
// that the parent removes when the child has ended, killed or not.
//
// Fork from a threaded process: the child has only the forking thread, so a
// lock another thread held at the fork stays locked in the child. The
// callers keep that from mattering: in this mode no parent thread runs
// libclang (every parse, PCH builds included, happens in a child; CXIndex
// objects are created before the workers start), glibc's malloc resets its
// locks at fork, the string pool (interned.cpp) is locked across fork(),
// and the child closes every inherited file descriptor but its pipe and
// stdin/stdout/stderr (so a sibling's pipe never waits on this child).
//
// Cost: one fork (page tables of the parent: ~1 ms per 100 MB resident) and
// one copy of the facts through a pipe per parse; a /proc read per 10 ms.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace concheck::analyzer {

struct file_limits {
  unsigned seconds = 120;         // --file-time-limit; 0 = none
  std::size_t memory_mib = 4096;  // --file-memory-limit; 0 = none
  bool enabled() const { return seconds != 0 || memory_mib != 0; }
};

enum class isolated_status { ok, time_limit, memory_limit, failed };

struct isolated_outcome {
  isolated_status status = isolated_status::failed;
  std::string payload;         // what `work` returned (status ok)
  std::string detail;          // failed: "it was killed by signal 11", ...
  double seconds = 0;          // wall time of the child
  double charged_seconds = 0;  // what the time limit judged (child_time.hpp)
  std::size_t growth = 0;      // the largest growth of its resident memory seen, bytes
};

// Runs `work` in a child process under `limits` and returns what it
// returned. Never throws; a child that crashes, throws or is killed comes
// back with its status.
isolated_outcome run_isolated(const std::function<std::string()>& work, const file_limits& limits);

// "FILE: error: cannot analyze: it exceeded the time limit of 120 s
// (--file-time-limit)" and the like, for an outcome that is not ok.
std::string limit_message(const std::string& file, const isolated_outcome& outcome,
                          const file_limits& limits);

}  // namespace concheck::analyzer
