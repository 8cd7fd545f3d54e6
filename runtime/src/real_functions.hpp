// concheck runtime: the real pthread/semaphore functions behind our interposed
// ones. INTERNAL.
//
// Each pointer starts at a resolver (constinit), which looks the real function
// up with dlsym(RTLD_NEXT, ...) (dlvsym(..., "GLIBC_2.3.2") for the condition
// variable functions, whose default versions differ from the old ones some
// binaries bind to) on first call, stores it and calls it. So calls before
// main, during static destruction, and from threads we never saw all work,
// and the hot path is one indirect call with no "initialized?" test.
// concheck's own code calls these directly, never the interposed names.
#pragma once

#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

namespace concheck::detail {

struct real_functions {
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_trylock)(pthread_mutex_t*);
  int (*mutex_timedlock)(pthread_mutex_t*, const timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const timespec*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*mutex_destroy)(pthread_mutex_t*);

  int (*rwlock_rdlock)(pthread_rwlock_t*);
  int (*rwlock_wrlock)(pthread_rwlock_t*);
  int (*rwlock_tryrdlock)(pthread_rwlock_t*);
  int (*rwlock_trywrlock)(pthread_rwlock_t*);
  int (*rwlock_timedrdlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_timedwrlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_clockrdlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_clockwrlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_unlock)(pthread_rwlock_t*);
  int (*rwlock_init)(pthread_rwlock_t*, const pthread_rwlockattr_t*);
  int (*rwlock_destroy)(pthread_rwlock_t*);

  int (*spin_lock)(pthread_spinlock_t*);
  int (*spin_trylock)(pthread_spinlock_t*);
  int (*spin_unlock)(pthread_spinlock_t*);
  int (*spin_init)(pthread_spinlock_t*, int);
  int (*spin_destroy)(pthread_spinlock_t*);

  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
  int (*cond_signal)(pthread_cond_t*);
  int (*cond_broadcast)(pthread_cond_t*);
  int (*cond_init)(pthread_cond_t*, const pthread_condattr_t*);
  int (*cond_destroy)(pthread_cond_t*);

  int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int (*join)(pthread_t, void**);
  int (*tryjoin_np)(pthread_t, void**);
  int (*timedjoin_np)(pthread_t, void**, const timespec*);
  int (*clockjoin_np)(pthread_t, void**, clockid_t, const timespec*);
  int (*detach)(pthread_t);
  int (*setname_np)(pthread_t, const char*);

  int (*sem_wait)(sem_t*);
  int (*sem_timedwait)(sem_t*, const timespec*);
  int (*sem_clockwait)(sem_t*, clockid_t, const timespec*);
  int (*barrier_wait)(pthread_barrier_t*);
  int (*sem_trywait)(sem_t*);
  int (*sem_post)(sem_t*);

  // Explore mode's scheduling points and virtual clock (interpose_time.cpp).
  int (*sched_yield)();
  int (*nanosleep)(const timespec*, timespec*);
  int (*clock_nanosleep)(clockid_t, int, const timespec*, timespec*);
  int (*clock_gettime)(clockid_t, timespec*);
  int (*usleep)(useconds_t);
  unsigned (*sleep)(unsigned);

  // Explore mode's waits for I/O and the calls that may answer them
  // (interpose_io.cpp).
  int (*poll)(pollfd*, nfds_t, int);
  int (*ppoll)(pollfd*, nfds_t, const timespec*, const sigset_t*);
  int (*select)(int, fd_set*, fd_set*, fd_set*, timeval*);
  int (*pselect)(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*);
  int (*epoll_wait)(int, epoll_event*, int, int);
  int (*epoll_pwait)(int, epoll_event*, int, int, const sigset_t*);
  ssize_t (*read)(int, void*, size_t);
  ssize_t (*readv)(int, const iovec*, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*recvmsg)(int, msghdr*, int);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  ssize_t (*write)(int, const void*, size_t);
  ssize_t (*writev)(int, const iovec*, int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  int (*close)(int);
  int (*shutdown)(int, int);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*eventfd_write)(int, eventfd_t);

  // libc's syscall() (interpose_futex.cpp), called with six argument words:
  // it is variadic, but passes six words to the kernel whatever it is given.
  long (*syscall)(long, long, long, long, long, long, long);

  // Race detection's one-time initialization edges (race/interpose_once.cpp).
  int (*once)(pthread_once_t*, void (*)());
  int (*cxa_guard_acquire)(std::uint64_t*);
  void (*cxa_guard_release)(std::uint64_t*);
};

// Hidden: the hot path reaches it PC-relative, not through the GOT.
extern real_functions real __attribute__((visibility("hidden")));

// Resolves every pointer now (idempotent). Called at load time and before fork.
void resolve_real_functions() noexcept;

}  // namespace concheck::detail
