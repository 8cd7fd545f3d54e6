// run_child(): posix_spawn (no fork of a multi-threaded test process, no
// atfork handlers of the runtime under test), the child leading its own
// process group, and one poll() loop over its stdout, its stderr and a pidfd
// that becomes readable when it exits, bounded by the deadline.
#include "child_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

extern char** environ;

namespace concheck::test {
namespace {

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string key_of(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

std::vector<std::string> child_environment(const child_options& options) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string variable(*entry);
    const std::string key = key_of(variable);
    bool dropped = false;
    for (const auto& e : options.env) dropped = dropped || key_of(e) == key;
    for (const auto& u : options.unset) dropped = dropped || u == key;
    if (!dropped) out.push_back(variable);
  }
  out.insert(out.end(), options.env.begin(), options.env.end());
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Reads what is available on `fd` into `into`; false at end of file.
bool drain(int fd, std::string& into) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

}  // namespace

child_result run_child(const std::vector<std::string>& argv, const child_options& options) {
  child_result result;
  const std::string what = "`" + command_line(argv) + "`";
  if (argv.empty()) {
    ADD_FAILURE() << "run_child: no program given";
    return result;
  }
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || (!options.merge_stderr && ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    ADD_FAILURE() << "run_child: cannot create pipes for " << what << ": " << std::strerror(errno);
    return result;
  }
  std::vector<std::string> env = child_environment(options);
  std::vector<std::string> args = argv;
  auto env_pointers = pointers(env);
  auto arg_pointers = pointers(args);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, options.merge_stderr ? out_pipe[1] : err_pipe[1], STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigfillset(&default_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  posix_spawnattr_setpgroup(&attributes, 0);  // its own group: a timeout kills its children too
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawn_error =
      ::posix_spawn(&pid, arg_pointers[0], &actions, &attributes, arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out_pipe[1]);
  if (err_pipe[1] >= 0) ::close(err_pipe[1]);
  if (spawn_error != 0) {
    ::close(out_pipe[0]);
    if (err_pipe[0] >= 0) ::close(err_pipe[0]);
    ADD_FAILURE() << "run_child: cannot start " << what << ": " << std::strerror(spawn_error);
    return result;
  }
  ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  if (err_pipe[0] >= 0) ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  // Readable once the child has exited. (glibc 2.36 declares pidfd_open()
  // without C linkage for C++, hence the raw system call.)
  const int exited = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool out_open = true, err_open = err_pipe[0] >= 0, running = true;
  while (out_open || err_open || running) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_open ? out_pipe[0] : -1, POLLIN, 0},
                     {err_open ? err_pipe[0] : -1, POLLIN, 0},
                     {running ? exited : -1, POLLIN, 0}};
    // Without a pidfd, the end of the output stands for the end of the child.
    if (exited < 0) running = false;
    const int ready = ::poll(fds, 3, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) break;
    if (out_open && fds[0].revents != 0) out_open = drain(out_pipe[0], result.out);
    if (err_open && fds[1].revents != 0) err_open = drain(err_pipe[0], result.err);
    if (running && fds[2].revents != 0) running = false;
  }
  if (result.timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out_open) drain(out_pipe[0], result.out);
  if (err_open) drain(err_pipe[0], result.err);
  ::close(out_pipe[0]);
  if (err_pipe[0] >= 0) ::close(err_pipe[0]);
  if (exited >= 0) ::close(exited);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (result.timed_out) {
    ADD_FAILURE() << "run_child: " << what << " did not finish within " << options.timeout.count()
                  << " s and was killed; its output so far:\n"
                  << result.out << result.err;
  }
  return result;
}

std::vector<std::string> json_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() == '{') lines.push_back(line);
  }
  return lines;
}

}  // namespace concheck::test
