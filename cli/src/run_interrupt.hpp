// concheck CLI: how `concheck run` is interrupted by SIGINT, SIGTERM or
// SIGHUP (docs/explore.md, "Interrupting a run").
//
// install() sets a handler for the three signals, except one this process
// inherited as ignored (nohup, a background job of a non-interactive shell),
// which stays ignored, as GNU tools do. The handler is async-signal-safe: on
// the first signal it only records the signal and writes one byte to a
// self-pipe, whose read end (wake_fd()) the driver polls together with its
// fork servers' answers, so the driver's own loop notices at once, stops the
// schedules in progress and every process it started, and prints the
// summary. A second signal (a second Ctrl-C while the driver cleans up) ends
// the run at once: the handler kills every process group registered with
// watch_group() (SIGKILL) and ends this process by that signal's default
// action. The same signal sent again by kill() from the process that sent
// the first is not a second one (`timeout` signals this process and then its
// process group). Process groups are kept in a fixed table of lock-free slots, so the
// handler reads it without a lock; watch_group() of more than kMaxGroups
// groups leaves the extra ones to the driver's own cleanup.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace concheck::cli::run_interrupt {

inline constexpr std::size_t kMaxGroups = 512;

// Installs the handlers (once; later calls do nothing).
void install();

// Readable once a signal came; -1 before install().
int wake_fd();

// 0, or the first of SIGINT, SIGTERM, SIGHUP this process received.
int received();

// A process group (its leader's pid) that a second signal kills; forget it
// before reaping its leader, so the handler never kills a reused pid.
void watch_group(pid_t group);
void forget_group(pid_t group);

// Flushes stdout and stderr, restores `signal`'s default action, unblocks it
// and raises it, so the parent sees this process end by that signal (a shell
// reports status 128 + signal and, for SIGINT, stops a script). Returns
// 128 + signal only if the process is still alive after that.
int end_by_signal(int signal);

}  // namespace concheck::cli::run_interrupt
