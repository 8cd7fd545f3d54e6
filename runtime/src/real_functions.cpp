// concheck runtime: lazy resolution of the real functions (see real_functions.hpp).
#include "real_functions.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstring>

namespace concheck::detail {
namespace {

[[noreturn]] void missing(const char* name) noexcept {
  static const char prefix[] = "concheck: cannot find the real ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, name, std::strlen(name));
  (void)!write(2, "\n", 1);
  _exit(70);
}

template <class F>
F lookup(const char* name, const char* version) noexcept {
  void* symbol = nullptr;
  if (version != nullptr) symbol = dlvsym(RTLD_NEXT, name, version);
  if (symbol == nullptr) symbol = dlsym(RTLD_NEXT, name);
  // Linked statically into the executable, RTLD_NEXT may not see libc: look globally.
  if (symbol == nullptr) symbol = dlsym(RTLD_DEFAULT, name);
  if (symbol == nullptr) missing(name);
  return reinterpret_cast<F>(symbol);
}

// A resolver stub per function: replace the pointer, then call through it.
template <auto Member, const char* Name, const char* Version>
struct resolver;

template <class R, class... A, R (*real_functions::*Member)(A...), const char* Name, const char* Version>
struct resolver<Member, Name, Version> {
  static R call(A... args) {
    auto function = lookup<R (*)(A...)>(Name, Version);
    __atomic_store_n(&(real.*Member), function, __ATOMIC_RELEASE);
    return function(args...);
  }
  static void resolve() noexcept {
    if (real.*Member == &call)
      __atomic_store_n(&(real.*Member), lookup<R (*)(A...)>(Name, Version), __ATOMIC_RELEASE);
  }
};

constexpr const char kNoVersion[] = "";

#define CONCHECK_NAMES(X)                                       \
  X(mutex_lock, pthread_mutex_lock, kNoVersion)                 \
  X(mutex_trylock, pthread_mutex_trylock, kNoVersion)           \
  X(mutex_timedlock, pthread_mutex_timedlock, kNoVersion)       \
  X(mutex_clocklock, pthread_mutex_clocklock, kNoVersion)       \
  X(mutex_unlock, pthread_mutex_unlock, kNoVersion)             \
  X(mutex_init, pthread_mutex_init, kNoVersion)                 \
  X(mutex_destroy, pthread_mutex_destroy, kNoVersion)           \
  X(rwlock_rdlock, pthread_rwlock_rdlock, kNoVersion)           \
  X(rwlock_wrlock, pthread_rwlock_wrlock, kNoVersion)           \
  X(rwlock_tryrdlock, pthread_rwlock_tryrdlock, kNoVersion)     \
  X(rwlock_trywrlock, pthread_rwlock_trywrlock, kNoVersion)     \
  X(rwlock_timedrdlock, pthread_rwlock_timedrdlock, kNoVersion) \
  X(rwlock_timedwrlock, pthread_rwlock_timedwrlock, kNoVersion) \
  X(rwlock_clockrdlock, pthread_rwlock_clockrdlock, kNoVersion) \
  X(rwlock_clockwrlock, pthread_rwlock_clockwrlock, kNoVersion) \
  X(rwlock_unlock, pthread_rwlock_unlock, kNoVersion)           \
  X(rwlock_init, pthread_rwlock_init, kNoVersion)               \
  X(rwlock_destroy, pthread_rwlock_destroy, kNoVersion)         \
  X(spin_lock, pthread_spin_lock, kNoVersion)                   \
  X(spin_trylock, pthread_spin_trylock, kNoVersion)             \
  X(spin_unlock, pthread_spin_unlock, kNoVersion)               \
  X(spin_init, pthread_spin_init, kNoVersion)                   \
  X(spin_destroy, pthread_spin_destroy, kNoVersion)             \
  X(cond_wait, pthread_cond_wait, kGlibc232)                    \
  X(cond_timedwait, pthread_cond_timedwait, kGlibc232)          \
  X(cond_clockwait, pthread_cond_clockwait, kNoVersion)         \
  X(cond_signal, pthread_cond_signal, kGlibc232)                \
  X(cond_broadcast, pthread_cond_broadcast, kGlibc232)          \
  X(cond_init, pthread_cond_init, kGlibc232)                    \
  X(cond_destroy, pthread_cond_destroy, kGlibc232)              \
  X(create, pthread_create, kNoVersion)                         \
  X(join, pthread_join, kNoVersion)                             \
  X(tryjoin_np, pthread_tryjoin_np, kNoVersion)                 \
  X(timedjoin_np, pthread_timedjoin_np, kNoVersion)             \
  X(clockjoin_np, pthread_clockjoin_np, kNoVersion)             \
  X(detach, pthread_detach, kNoVersion)                         \
  X(setname_np, pthread_setname_np, kNoVersion)                 \
  X(sem_wait, sem_wait, kNoVersion)                             \
  X(sem_timedwait, sem_timedwait, kNoVersion)                   \
  X(sem_clockwait, sem_clockwait, kNoVersion)                   \
  X(barrier_wait, pthread_barrier_wait, kNoVersion)             \
  X(sem_trywait, sem_trywait, kNoVersion)                       \
  X(sem_post, sem_post, kNoVersion)                             \
  X(sched_yield, sched_yield, kNoVersion)                       \
  X(nanosleep, nanosleep, kNoVersion)                           \
  X(clock_nanosleep, clock_nanosleep, kNoVersion)               \
  X(clock_gettime, clock_gettime, kNoVersion)                   \
  X(usleep, usleep, kNoVersion)                                 \
  X(sleep, sleep, kNoVersion)                                   \
  X(poll, poll, kNoVersion)                                     \
  X(ppoll, ppoll, kNoVersion)                                   \
  X(select, select, kNoVersion)                                 \
  X(pselect, pselect, kNoVersion)                               \
  X(epoll_wait, epoll_wait, kNoVersion)                         \
  X(epoll_pwait, epoll_pwait, kNoVersion)                       \
  X(read, read, kNoVersion)                                     \
  X(readv, readv, kNoVersion)                                   \
  X(recv, recv, kNoVersion)                                     \
  X(recvfrom, recvfrom, kNoVersion)                             \
  X(recvmsg, recvmsg, kNoVersion)                               \
  X(accept, accept, kNoVersion)                                 \
  X(accept4, accept4, kNoVersion)                               \
  X(write, write, kNoVersion)                                   \
  X(writev, writev, kNoVersion)                                 \
  X(send, send, kNoVersion)                                     \
  X(sendto, sendto, kNoVersion)                                 \
  X(sendmsg, sendmsg, kNoVersion)                               \
  X(close, close, kNoVersion)                                   \
  X(shutdown, shutdown, kNoVersion)                             \
  X(connect, connect, kNoVersion)                               \
  X(eventfd_write, eventfd_write, kNoVersion)                   \
  X(syscall, syscall, kNoVersion)                               \
  X(once, pthread_once, kNoVersion)                             \
  X(cxa_guard_acquire, __cxa_guard_acquire, kNoVersion)         \
  X(cxa_guard_release, __cxa_guard_release, kNoVersion)

constexpr const char kGlibc232[] = "GLIBC_2.3.2";

#define CONCHECK_NAME_STRING(member, symbol, version) constexpr const char k_##member[] = #symbol;
CONCHECK_NAMES(CONCHECK_NAME_STRING)
#undef CONCHECK_NAME_STRING

}  // namespace

#define CONCHECK_STUB(member, symbol, version) \
  &resolver<&real_functions::member, k_##member, (version[0] == '\0' ? nullptr : version)>::call,
constinit real_functions real{CONCHECK_NAMES(CONCHECK_STUB)};
#undef CONCHECK_STUB

void resolve_real_functions() noexcept {
#define CONCHECK_RESOLVE(member, symbol, version) \
  resolver<&real_functions::member, k_##member, (version[0] == '\0' ? nullptr : version)>::resolve();
  CONCHECK_NAMES(CONCHECK_RESOLVE)
#undef CONCHECK_RESOLVE
}

}  // namespace concheck::detail
