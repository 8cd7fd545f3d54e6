// Test helper: runs a program as a child process with extra environment
// variables, captures its stdout and stderr, and ends it if it outlives a
// timeout (so a regression that hangs fails the test instead of the suite).
// Shared by the GoogleTest-integration tests and the samples' end-to-end tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace concheck::test {

struct child_result {
  int exit_code = -1;  // -1 when killed by a signal or not started
  int signal = 0;      // the signal that ended it, 0 if it exited
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `argv` (argv[0] is the program's path) with `env` ("KEY=value"
// entries replacing any same-named variable of this process). Waits at most
// `timeout`, then kills the child with SIGKILL and sets timed_out.
inline child_result run_child(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                              std::chrono::seconds timeout = std::chrono::seconds(120)) {
  child_result result;
  char out_path[] = "/tmp/concheck_child_out_XXXXXX";
  char err_path[] = "/tmp/concheck_child_err_XXXXXX";
  const int out_fd = mkstemp(out_path);
  const int err_fd = mkstemp(err_path);
  if (out_fd < 0 || err_fd < 0) {
    result.err = "run_child: cannot create temporary files";
    return result;
  }

  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string variable(*entry);
    bool replaced = false;
    for (const std::string& extra : env) {
      const std::string key = extra.substr(0, extra.find('=') + 1);
      if (variable.compare(0, key.size(), key) == 0) replaced = true;
    }
    if (!replaced) environment.push_back(variable);
  }
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> env_pointers;
  for (std::string& entry : environment) env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, arg_pointers[0], &actions, nullptr, arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);
  if (spawn_error != 0) {
    result.err = std::string("run_child: cannot start ") + argv[0] + ": " + std::strerror(spawn_error);
    unlink(out_path);
    unlink(err_path);
    return result;
  }

  // Polls for the end: the deadline is a safety net, not part of any result.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  unlink(out_path);
  unlink(err_path);
  return result;
}

// The lines of `text` that are JSON objects (JSON Lines reports among other output).
inline std::vector<std::string> json_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() == '{') lines.push_back(line);
  }
  return lines;
}

}  // namespace concheck::test
