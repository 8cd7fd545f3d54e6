// concheck runtime: explore's process mode, the runtime side of
// `concheck run` (docs/explore.md). When the environment names a schedule
// (CONCHECK_EXPLORE_SCHEDULE=<replay token>), the program's main thread
// becomes T0 of that one schedule at load time, before main(), and the rest
// of the process runs under the scheduler (explore_scheduler.hpp,
// begin_process_schedule). A malformed token ends the process at start with
// a message naming it and exit status 2, as a bad CONCHECK_OPTIONS does.
// CONCHECK_EXPLORE_STATS_FD=<fd>: at exit, "steps <n>\nchoices <...>\n" is
// written there (concheck run learns the length of a schedule for pct, and
// the choices a bounded search needs, from it).
// CONCHECK_EXPLORE_SERVER=<in>,<out>[,<cpu>]: a fork server (serve() below),
// kept with its children on CPU <cpu> when given; it ends when `concheck
// run` ends, and a schedule's child when the server ends, however they end.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "explore_scheduler.hpp"
#include "explore_strategies.hpp"
#include "fork_server_pages.hpp"
#include "options.hpp"
#include "runtime_copies.hpp"
#include "thread_registry.hpp"

namespace concheck::detail::explore {
namespace {

int g_stats_fd = -1;

void write_stats() {
  if (g_stats_fd < 0) return;
  const std::string line = fmt::format("steps {}\nchoices {}\n", process_steps(), process_choices());
  (void)!::write(g_stats_fd, line.data(), line.size());
}

// Reads one line from `fd` (without the '\n') through `buffer`, which keeps
// what was read past it; false at end of input. A request or an answer is
// one read, not one per byte (a system call costs microseconds here).
bool read_line(int fd, std::string& buffer, std::string& line) {
  for (;;) {
    const std::size_t newline = buffer.find('\n');
    if (newline != std::string::npos) {
      line.assign(buffer, 0, newline);
      buffer.erase(0, newline + 1);
      return true;
    }
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// The fork server (CONCHECK_EXPLORE_SERVER=<in>,<out>): before the program's
// own initialization, forks one child per request line "<token>" read from
// fd <in>; the child returns from here to run the program under that
// schedule; the server waits for it and answers on fd <out> with
// "<wait status> <steps> <output bytes> <choices>\n" followed by the child's
// stdout and stderr (<output bytes> of them; choices: explore_scheduler.hpp
// process_choices, empty when the child did not exit normally). It answers
// "ready" first and exits at the end of its input. Forking here costs a
// fraction of starting the program (exec, dynamic linking, libraries'
// initialization). Requests may be queued: the server reads the next one as
// soon as a child is done, so it never waits for its driver between two.
// The child's output and its stats go to in-memory files the server reuses
// (no file system, no pipe a long stats line could fill while the server
// waits). Returns the token in the child (stored in `token`), never in the
// server.
void* warm_up_thread(void*) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_destroy(&m);
  return nullptr;
}

// An empty in-memory file, its offset at 0 (shared with the children).
void rewind_empty(int fd) {
  (void)!::ftruncate(fd, 0);
  ::lseek(fd, 0, SEEK_SET);
}

std::string read_whole(int fd) {
  std::string text;
  char chunk[65536];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, chunk, sizeof chunk, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(chunk, static_cast<std::size_t>(n));
    at += n;
  }
}

// Ends this process when its parent ends, even by SIGKILL (which runs no
// handler that could clean up): a fork server must not outlive `concheck
// run`, nor a schedule's child its server, nor run on unwatched. `parent`
// is this process's parent as it was known before: if it has already gone,
// the death signal would never come.
void end_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(0);
}

// Waits for a schedule's child and returns its wait status. With a time
// limit (explore_schedule_timeout_ms), the child reports itself when it is
// reached (explore_scheduler.hpp); one that still runs kKillGraceMs later
// (its report blocked, e.g. on a lock a stopped thread holds) is killed
// here, with a line saying so after its output, so that the output is
// answered, not lost with the process.
constexpr std::uint64_t kKillGraceMs = 5000;

int wait_for_schedule(pid_t child, int output) {
  const auto limit = static_cast<std::uint64_t>(get_options().explore_schedule_timeout_ms);
  int status = 0;
  bool killed = false;
  const int handle = limit > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, child, 0)) : -1;
  if (handle >= 0) {
    pollfd ended{handle, POLLIN, 0};
    const auto wait_ms = static_cast<int>(std::min<std::uint64_t>(limit + kKillGraceMs, INT_MAX));
    int ready = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    while ((ready = ::poll(&ended, 1,
                           static_cast<int>(std::max<std::int64_t>(
                               0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count())))) < 0 &&
           errno == EINTR) {
    }
    if (ready == 0) killed = ::kill(child, SIGKILL) == 0;
    ::close(handle);
  }
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) {  // after the reaping: the child writes nothing more
    const std::string line = fmt::format(
        "concheck: the schedule did not end within {} ms of real time, nor report it {} ms later: killed\n",
        limit, kKillGraceMs);
    (void)!::pwrite(output, line.data(), line.size(), ::lseek(output, 0, SEEK_END));
  }
  return status;
}

void serve(int in, int out, std::string& token) {
  end_with_parent(::getppid());
  // What every child would do first and pay for in fresh pages (the lock and
  // thread tables, the unwinder's caches) is done once here, before the
  // forks, and shared copy-on-write: a third of a child's cost otherwise.
  pthread_t warm;
  if (pthread_create(&warm, nullptr, &warm_up_thread, nullptr) == 0) pthread_join(warm, nullptr);
  prepare_fork_server_pages();  // fewer page faults in each child
  const int output = ::memfd_create("concheck-run-output", MFD_CLOEXEC);
  const int stats = ::memfd_create("concheck-run-stats", MFD_CLOEXEC);
  if (output < 0 || stats < 0) ::_exit(70);
  write_all(out, "ready\n");
  std::string request;
  std::string requests;  // read ahead of `request`
  while (read_line(in, requests, request)) {
    const std::size_t end = request.find(' ');
    if (end == 0 || request.empty()) continue;
    rewind_empty(output);
    rewind_empty(stats);
    const pid_t server = ::getpid();
    const pid_t child = fork_schedule_child();
    if (child < 0) ::_exit(70);
    if (child == 0) {
      end_with_parent(server);
      ::close(in);
      ::close(out);
      ::dup2(output, STDOUT_FILENO);
      ::dup2(output, STDERR_FILENO);
      ::close(output);
      g_stats_fd = stats;
      token = request.substr(0, end);
      return;
    }
    const int status = wait_for_schedule(child, output);
    fork_server_child_ended();
    // "steps <n>\nchoices <...>\n" (write_stats), or nothing.
    const std::string written = read_whole(stats);
    const std::size_t newline = written.find('\n');
    std::string steps_line = written.substr(0, newline);
    std::string choices_line = newline == std::string::npos ? std::string() : written.substr(newline + 1);
    if (!choices_line.empty() && choices_line.back() == '\n') choices_line.pop_back();
    std::uint64_t steps = 0;
    if (steps_line.rfind("steps ", 0) == 0) steps = std::strtoull(steps_line.c_str() + 6, nullptr, 10);
    if (choices_line.rfind("choices ", 0) == 0) choices_line.erase(0, 8);
    const std::string printed = read_whole(output);
    write_all(out, fmt::format("{} {} {} {}\n", status, steps, printed.size(), choices_line) + printed);
  }
  ::_exit(0);
}

[[gnu::constructor]] void start_process_schedule() {
  // A program linked with libconcheck.so and run with the preload library
  // holds two copies: only the one the dynamic linker binds calls to runs
  // the schedule (runtime_copies.hpp; comparing the anchor's address here
  // does not tell them apart: in a shared copy it is the first definition's).
  if (!first_runtime_copy()) return;
  static std::string served;  // the token a fork server's child runs
  const char* token = std::getenv("CONCHECK_EXPLORE_SCHEDULE");
  if (const char* server = std::getenv("CONCHECK_EXPLORE_SERVER"); server != nullptr && *server != '\0') {
    int in = -1;
    int out = -1;
    int cpu = -1;
    if (std::sscanf(server, "%d,%d,%d", &in, &out, &cpu) < 2) {
      static const char message[] = "concheck: CONCHECK_EXPLORE_SERVER: expected <in fd>,<out fd>[,<cpu>]\n";
      (void)!::write(STDERR_FILENO, message, sizeof message - 1);
      ::_exit(2);
    }
    ::unsetenv("CONCHECK_EXPLORE_SERVER");
    if (std::getenv("CONCHECK_EXPLORE_BIND_NOW") != nullptr) {  // set by concheck run, not by the user
      ::unsetenv("CONCHECK_EXPLORE_BIND_NOW");
      ::unsetenv("LD_BIND_NOW");
    }
    if (cpu >= 0 && cpu < CPU_SETSIZE) {
      // One thread of a schedule runs at a time: on one CPU, a hand-off is a
      // switch on that CPU, no thread spins on another, and copy-on-write
      // faults need no TLB shootdown on another CPU (which costs tens of
      // microseconds in a virtual machine). The children inherit it.
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      ::sched_setaffinity(0, sizeof one, &one);
    }
    serve(in, out, served);  // returns in a child only
    token = served.c_str();
  }
  if (token == nullptr || *token == '\0') return;
  strategy_params params;
  std::string error;
  if (!parse_token(token, params, error)) {
    const std::string message = fmt::format("concheck: CONCHECK_EXPLORE_SCHEDULE: {}\n", error);
    (void)!::write(STDERR_FILENO, message.data(), message.size());
    ::_exit(2);
  }
  const options& o = get_options();
  if (const char* fd = std::getenv("CONCHECK_EXPLORE_STATS_FD"); fd != nullptr && g_stats_fd < 0)
    g_stats_fd = std::atoi(fd);
  if (g_stats_fd >= 0) std::atexit(write_stats);
  // Both live for the rest of the process.
  static std::unique_ptr<strategy> chooser = make_strategy(params);
  // Never destroyed: the stall watch may report, with the token, while exit()
  // runs the static destructors.
  static const std::string& kept = *new std::string(token);
  current_thread();  // the main thread's record, T0
  begin_process_schedule(
      chooser.get(), o.explore_step_bound > 0 ? static_cast<std::uint64_t>(o.explore_step_bound) : 100000,
      o.explore_max_steps > 0 ? static_cast<std::uint64_t>(o.explore_max_steps) : 100000000,
      o.explore_stall_ms > 0 ? static_cast<std::uint64_t>(o.explore_stall_ms) : 5000,
      static_cast<std::uint64_t>(o.explore_schedule_timeout_ms), kept.c_str());
}

}  // namespace
}  // namespace concheck::detail::explore
