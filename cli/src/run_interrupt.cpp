// `concheck run`'s signal handling: see run_interrupt.hpp. Everything the
// handler touches is a lock-free atomic or a system call listed as
// async-signal-safe (write, kill, signal, raise).
#include "run_interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace concheck::cli::run_interrupt {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<int> g_received{0};
std::atomic<int> g_write_end{-1};
std::atomic<pid_t> g_first_sender{-1};  // who sent the first signal with kill(), or -1
int g_read_end = -1;
std::atomic<pid_t> g_groups[kMaxGroups];

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<pid_t>::is_always_lock_free,
              "the signal handler reads these without a lock");

// Whether `info` is the first signal again, not a second one: the same
// signal sent by kill() from the same process. `timeout` sends its signal to
// this process and then to its whole process group, and `kill PID` in a
// shell sends one, so a duplicate must not skip the summary; a second Ctrl-C
// comes from the terminal (SI_KERNEL) and counts.
bool duplicate(int signal, const siginfo_t* info) {
  return signal == g_received.load() && info != nullptr && info->si_code == SI_USER &&
         g_first_sender.load() == info->si_pid;
}

void on_signal(int signal, siginfo_t* info, void*) {
  const int saved_errno = errno;
  int expected = 0;
  if (g_received.compare_exchange_strong(expected, signal)) {
    g_first_sender.store(info != nullptr && info->si_code == SI_USER ? info->si_pid : -1);
    const int fd = g_write_end.load();
    const char byte = 1;
    if (fd >= 0) (void)!::write(fd, &byte, 1);
    errno = saved_errno;
    return;
  }
  if (duplicate(signal, info)) {
    errno = saved_errno;
    return;
  }
  // A second signal: no more cleanup, no summary.
  for (auto& group : g_groups) {
    const pid_t pid = group.load();
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);  // blocked while this handler runs: delivered as it returns
  errno = saved_errno;
}

}  // namespace

void install() {
  if (g_read_end >= 0) return;
  static int self_pipe[2] = {-1, -1};
  if (::pipe2(self_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
  g_read_end = self_pipe[0];
  g_write_end.store(self_pipe[1]);
  for (const int signal : kSignals) {
    struct sigaction old {};
    if (::sigaction(signal, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction action {};
    action.sa_sigaction = &on_signal;
    sigemptyset(&action.sa_mask);
    for (const int other : kSignals) sigaddset(&action.sa_mask, other);
    action.sa_flags = SA_RESTART | SA_SIGINFO;
    ::sigaction(signal, &action, nullptr);
  }
}

int wake_fd() {
  return g_read_end;
}

int received() {
  return g_received.load();
}

void watch_group(pid_t group) {
  for (auto& slot : g_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, group)) return;
  }
}

void forget_group(pid_t group) {
  for (auto& slot : g_groups) {
    pid_t expected = group;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

int end_by_signal(int signal) {
  std::fflush(stdout);
  std::fflush(stderr);
  ::signal(signal, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal);
  ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
  ::raise(signal);
  return 128 + signal;
}

}  // namespace concheck::cli::run_interrupt
