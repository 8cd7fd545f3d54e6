// The one way concheck's tests run a program as a child process: the CLI
// tests run `concheck`, the runtime tests run scenario programs and probes,
// the samples and GoogleTest-integration tests run whole test programs.
//
// run_child() starts `argv` (argv[0] is the program's path; no shell) in a
// process group of its own, with extra or removed environment variables and
// an optional working folder, and collects its exit status, stdout and stderr
// (read as they come, so a child that writes more than a pipe holds never
// blocks). The timeout is not optional: when it passes, the whole process
// group is killed with SIGKILL and the test fails with a message naming the
// command, so a regression that hangs costs one test its timeout instead of
// stalling the suite. A program that cannot be started fails the test too.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace concheck::test {

struct child_options {
  std::vector<std::string> env;    // "KEY=value": set (replacing this process's KEY)
  std::vector<std::string> unset;  // "KEY": removed from the child's environment
  std::string cwd;                 // "" = this process's working folder
  std::chrono::seconds timeout{120};
  bool merge_stderr = false;  // stderr goes to `out` too, interleaved as written
};

struct child_result {
  int exit_code = -1;  // -1 when killed by a signal or not started
  int signal = 0;      // the signal that ended it, 0 if it exited
  bool timed_out = false;
  std::string out;  // stdout (and stderr with merge_stderr)
  std::string err;  // stderr
};

// Options with only environment variables set ("KEY=value").
inline child_options with_env(std::vector<std::string> env) {
  child_options options;
  options.env = std::move(env);
  return options;
}

// Runs argv[0] with arguments argv[1...] and waits for it (at most
// options.timeout). Adds a test failure when the child cannot be started or
// times out.
child_result run_child(const std::vector<std::string>& argv, const child_options& options = {});

// The lines of `text` that are JSON objects (JSON Lines reports among other output).
std::vector<std::string> json_lines(const std::string& text);

}  // namespace concheck::test
