// concheck: the thread registry, seen from user code.
//
// concheck keeps a record of every thread of the process (ids T0, T1, ...;
// T0 is the main thread): its name, where it was created, the locks it holds
// and what it is blocked on. Reports name threads this way. This header lets
// you name the calling thread and print the registry, e.g. from a debugger or
// a watchdog of your own when a test seems stuck. (With the option
// dump_threads_signal=N in CONCHECK_OPTIONS, signal N prints the same dump.)
#pragma once

#include <cstdio>
#include <string_view>

namespace concheck {

// Names the calling thread in reports and dumps (at most 63 bytes are kept)
// and sets its OS name (truncated to the 15 bytes pthread_setname_np allows).
// Unlike pthread_setname_np, which concheck also observes, the full name is
// kept. Never fails.
void set_thread_name(std::string_view name) noexcept;

// Prints every live thread: its id, name and creation site, the locks it
// holds (with where they were acquired) and what it waits for, or "running".
// The first form writes to the report log (stderr unless log_path is set), in
// the log's format: with format=json one thread-dump record per thread
// (docs/report-format.md). The second always writes text.
// Safe to call at any time from any thread; takes no user-visible lock. The
// snapshot of a thread that is changing its state at that moment is marked
// "(state changing)".
void dump_threads() noexcept;
void dump_threads(std::FILE* out) noexcept;

}  // namespace concheck
