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

#include <pthread.h>
#include <semaphore.h>
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
