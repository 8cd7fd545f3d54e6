// concheck CLI: the `concheck run` subcommand, explore mode for whole programs.
//
//   concheck run [--strategy automatic|random|pct|dfs|delay] [--schedules N] [--seed S]
//                [--time-limit SECONDS] [--replay TOKEN] [--jobs J] [--shard I/N]
//                [--timeout SECONDS] [--pct-depth D] [--preemption-bound B] [--format text|json]
//                -- PROGRAM ARGS...
//
// Runs PROGRAM once per schedule with concheck's runtime preloaded and the
// schedule named in its environment (CONCHECK_EXPLORE_SCHEDULE=<token>): the
// program's threads then run one at a time as that schedule decides
// (docs/explore.md, "concheck run"). A schedule fails when the program exits
// non-zero, dies of a signal, hangs past --timeout, or concheck reports a
// finding in it (a deadlock, an inversion, a livelock). The first failure
// (the lowest failing schedule index, whatever --jobs is) is reported with
// its replay token; --replay runs exactly that schedule again.
// Schedule i uses the token of (strategy, seed, i): `random` and `pct` name
// their parameters, `automatic` alternates them (pct on even indices). pct's
// step count k is the length of schedule 0, which runs first and alone, so
// every schedule is the same whatever --jobs is. `dfs` and `delay` run a
// bounded search (every interleaving within --preemption-bound preemptions,
// or delays) one run at a time: each run reports its choices, which decide
// the next run's prefix; its tokens are decision lists. --shard I/N runs the
// indices i with i % N == I: N machines split the space with no overlap.
// Output: text on stdout (the failing run's output and report, or a
// summary), or with --format json one JSON object per line on stdout: the
// findings of the failing schedule (docs/report-format.md, each with its
// `replay`), then a summary record {"record":"run-summary",...}. A progress
// line goes to stderr when it is a terminal.
// -h or --help (before --) prints the options on stdout and exits 0.
// Exit status: 0 every schedule passed, 1 a schedule failed, 2 usage error
// (bad options, a malformed token, a program that cannot be started, no
// preload library). SIGINT, SIGTERM or SIGHUP stop the running schedules and
// every process of the run; what the run found is printed as above, then
// (stderr) the schedules run and the replay command of each one the signal
// stopped, and the process ends by that signal (run_interrupt.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace concheck::cli {

inline constexpr std::string_view kRunArguments = "[options] -- PROGRAM ARGS...";

// `args` are the arguments after `run`.
int run_run_command(const std::vector<std::string>& args);

}  // namespace concheck::cli
