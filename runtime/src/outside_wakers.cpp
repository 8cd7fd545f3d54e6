// concheck runtime: wakers the runtime cannot see (see outside_wakers.hpp).
#include "outside_wakers.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>

#include <cstring>

#include "lock_registry.hpp"
#include "options.hpp"

namespace concheck::detail {
namespace {

// glibc 2.36's layouts of the objects whose process-shared flag is not in the
// public union members (nptl/pthread_barrier_init.c, nptl/sem_init.c,
// nptl/pthread_cond_common.c).
struct glibc_barrier {
  unsigned in, current_round, count;
  int shared;  // FUTEX_SHARED (128) when process-shared, FUTEX_PRIVATE (0) otherwise
  unsigned out;
};
struct glibc_semaphore {
  std::uint64_t data;
  int private_;  // FUTEX_SHARED (128) when process-shared, FUTEX_PRIVATE (0) otherwise
  int pad;
};
constexpr unsigned kCondSharedBit = 1;  // __data.__wrefs bit 0
constexpr int kMutexSharedBit = 128;    // __data.__kind

bool synchronous_signal(int sig) noexcept {
  switch (sig) {
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
    case SIGSYS:
    case SIGABRT:
    case SIGPIPE:
    case SIGKILL:
    case SIGSTOP:
      return true;
    default:
      return false;
  }
}

std::string signal_name(int sig) {
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
  const char* abbreviation = ::sigabbrev_np(sig);
  return abbreviation != nullptr ? fmt::format("SIG{}", abbreviation) : fmt::format("signal {}", sig);
}

}  // namespace

bool waits_on_process_shared(detector::wait_kind kind, std::uint64_t target) noexcept {
  switch (kind) {
    case detector::wait_kind::lock: {
      lock_info info;
      if (!find_lock_info(target, info) || info.address == 0) return false;
      if (info.klass == lock_class::rwlock)
        return reinterpret_cast<const pthread_rwlock_t*>(info.address)->__data.__shared != 0;
      return (reinterpret_cast<const pthread_mutex_t*>(info.address)->__data.__kind & kMutexSharedBit) != 0;
    }
    case detector::wait_kind::condition:
      return target != 0 &&
             (reinterpret_cast<const pthread_cond_t*>(target)->__data.__wrefs & kCondSharedBit) != 0;
    case detector::wait_kind::semaphore:
      static_assert(sizeof(glibc_semaphore) <= sizeof(sem_t));
      return target != 0 && reinterpret_cast<const glibc_semaphore*>(target)->private_ != 0;
    case detector::wait_kind::barrier:
      static_assert(sizeof(glibc_barrier) <= sizeof(pthread_barrier_t));
      return target != 0 && reinterpret_cast<const glibc_barrier*>(target)->shared != 0;
    case detector::wait_kind::join:
    case detector::wait_kind::futex:  // explore mode only: the scheduler judges those
    case detector::wait_kind::none:
      return false;
  }
  return false;
}

std::string async_signal_handlers() {
  std::string names;
  const int own = get_options().dump_threads_signal;
  for (int sig = 1; sig <= SIGRTMAX; ++sig) {
    if (synchronous_signal(sig) || sig == own) continue;
    struct sigaction current {};
    if (::sigaction(sig, nullptr, &current) != 0) continue;  // glibc-reserved numbers: EINVAL
    const bool has_handler = (current.sa_flags & SA_SIGINFO) != 0
                                 ? current.sa_sigaction != nullptr
                                 : current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN;
    if (!has_handler) continue;
    if (!names.empty()) names += ", ";
    names += signal_name(sig);
  }
  return names;
}

long task_count() noexcept {
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return -1;
  long count = 0;
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(tasks);
  return count;
}

std::string outside_waker(const std::vector<blocked_wait>& waits, std::size_t live_threads,
                          std::size_t internal_threads) {
  std::vector<std::string> reasons;
  for (const blocked_wait& wait : waits) {
    if (waits_on_process_shared(wait.kind, wait.target)) {
      reasons.push_back(fmt::format("T{} waits on a process-shared {} that another process can release",
                                    wait.thread, detector::to_string(wait.kind)));
    }
  }
  const long tasks = task_count();
  if (tasks > 0 && static_cast<std::size_t>(tasks) > live_threads + internal_threads) {
    const std::size_t unseen = static_cast<std::size_t>(tasks) - live_threads - internal_threads;
    reasons.push_back(fmt::format("{} thread{} concheck does not see (e.g. a SIGEV_THREAD timer's) can run",
                                  unseen, unseen == 1 ? "" : "s"));
  }
  const std::string handlers = async_signal_handlers();
  if (!handlers.empty()) reasons.push_back(fmt::format("signal handlers are installed for {}", handlers));
  std::string out;
  for (const std::string& reason : reasons) out += (out.empty() ? "" : "; ") + reason;
  return out;
}

}  // namespace concheck::detail
