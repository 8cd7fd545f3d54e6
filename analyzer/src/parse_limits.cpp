// Running one TU's work in a supervised child process; see parse_limits.hpp.
#include "parse_limits.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <system_error>
#include <vector>

#include "child_time.hpp"

namespace concheck::analyzer {
namespace {

constexpr int kPollMilliseconds = 10;
constexpr int kResultFd = 3;  // the child's end of the pipe, moved here

// Resident bytes of `pid`, from /proc/PID/statm; 0 when unknown.
std::size_t resident_bytes(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[128];
  ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return 0;
  text[n] = '\0';
  unsigned long size = 0;
  unsigned long resident = 0;
  if (std::sscanf(text, "%lu %lu", &size, &resident) != 2) return 0;
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// A private folder for one child's temporary files (libclang's preamble
// files): the child points TMPDIR at it, and the parent removes it when the
// child has ended, killed or not, so nothing is left behind in $TMPDIR.
std::string make_child_folder() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      fmt::format("{}/concheck-child-XXXXXX", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) return {};
  return buffer.data();
}

[[noreturn]] void run_child(int write_fd, const std::string& folder,
                            const std::function<std::string()>& work) {
  // No other thread of the parent calls setenv, so its lock is free here.
  if (!folder.empty()) ::setenv("TMPDIR", folder.c_str(), 1);
  // Keep stdin/stdout/stderr and our pipe; close what other threads opened
  // (their children's pipes above all: a sibling must see EOF when its own
  // child ends, not when this one does).
  if (write_fd != kResultFd) {
    if (::dup2(write_fd, kResultFd) < 0) ::_exit(4);
  }
  ::syscall(SYS_close_range, kResultFd + 1, ~0U, 0);
  int code = 0;
  try {
    std::string result = work();
    code = write_all(kResultFd, result) ? 0 : 5;
  } catch (...) {
    code = 3;
  }
  ::_exit(code);
}

}  // namespace

isolated_outcome run_isolated(const std::function<std::string()>& work, const file_limits& limits) {
  isolated_outcome out;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    out.detail = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    return out;
  }
  const std::string folder = make_child_folder();
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    out.detail = fmt::format("cannot start a process for it: {}", std::strerror(errno));
    if (!folder.empty()) ::rmdir(folder.c_str());
    ::close(fds[0]);
    ::close(fds[1]);
    return out;
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], folder, work);
  }
  ::close(fds[1]);
  const std::size_t baseline = resident_bytes(pid);
  const std::size_t memory_limit = limits.memory_mib << 20;
  auto wall_now = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  child_sample last = sample_child(pid, wall_now());
  bool killed = false;
  char buffer[1 << 16];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, kPollMilliseconds);
    if (ready > 0) {
      ssize_t n = ::read(fds[0], buffer, sizeof buffer);
      if (n > 0) {
        out.payload.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) break;  // EOF: the child finished (or died)
      if (errno != EINTR && errno != EAGAIN) break;
    }
    // The time limit is on the time the child is charged for (child_time.hpp:
    // its CPU time, and real time only while it waits asleep), not on real
    // time: on a loaded machine a file's parse waits for a CPU.
    child_sample now = sample_child(pid, wall_now());
    out.charged_seconds += charged_seconds(last, now);
    if (now.valid) last = now;
    std::size_t resident = resident_bytes(pid);
    std::size_t growth = resident > baseline ? resident - baseline : 0;
    if (growth > out.growth) out.growth = growth;
    if (limits.seconds != 0 && out.charged_seconds > limits.seconds) {
      out.status = isolated_status::time_limit;
      killed = true;
    } else if (limits.memory_mib != 0 && growth > memory_limit) {
      out.status = isolated_status::memory_limit;
      killed = true;
    }
    if (killed) {
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!folder.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
  }
  if (killed) {
    out.payload.clear();
    return out;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    out.status = isolated_status::ok;
  } else {
    out.payload.clear();
    out.detail = WIFSIGNALED(status)
                     ? fmt::format("its process was killed by signal {}", WTERMSIG(status))
                     : fmt::format("its process failed (exit status {})", WEXITSTATUS(status));
  }
  return out;
}

std::string limit_message(const std::string& file, const isolated_outcome& outcome,
                          const file_limits& limits) {
  switch (outcome.status) {
    case isolated_status::ok:
      return {};
    case isolated_status::time_limit:
      return fmt::format(
          "{}: error: cannot analyze: stopped after the time limit of {} s per file (--file-time-limit)",
          file, limits.seconds);
    case isolated_status::memory_limit:
      return fmt::format(
          "{}: error: cannot analyze: stopped at the memory limit of {} MiB per file (--file-memory-limit)",
          file, limits.memory_mib);
    case isolated_status::failed:
      return fmt::format("{}: error: cannot analyze: {}", file, outcome.detail);
  }
  return {};
}

}  // namespace concheck::analyzer
