/* Signal handlers and thread cancellation in plain C (no concheck include):
 * the situations of docs/design.md "Hard cases" (signal handlers,
 * cancellation in a condition-variable wait), one per command-line argument.
 * Built plain (instrumented only by LD_PRELOAD) and linked with the static
 * and the shared library; runtime_signal_cancel_test.cpp runs it. Every
 * ordering that matters is forced (a mutex and a flag, raise()); the only
 * thing left to time is how soon the interval timer has fired often enough,
 * which the test bounds with the child runner's timeout. */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* ---- signal-handler: a SIGALRM handler (every 100 us) locks its own
 * mutexes while main locks and unlocks others in a loop, nested, recursive
 * and try-locked, so signals land inside every step of the runtime's
 * bookkeeping. Correct: the handler never touches main's locks. */
static pthread_mutex_t g_handler_outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_handler_inner = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_main_outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_main_inner = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_main_recursive;
static pthread_rwlock_t g_main_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static volatile sig_atomic_t g_ticks;

static void on_alarm(int signal_number) {
  (void)signal_number;
  pthread_mutex_lock(&g_handler_outer);
  pthread_mutex_lock(&g_handler_inner);
  ++g_ticks;
  pthread_mutex_unlock(&g_handler_inner);
  pthread_mutex_unlock(&g_handler_outer);
}

static void install(int signal_number, void (*handler)(int)) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(signal_number, &action, NULL);
}

static int signal_handler(void) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&g_main_recursive, &attributes);
  install(SIGALRM, on_alarm);
  struct itimerval every = {{0, 100}, {0, 100}};
  setitimer(ITIMER_REAL, &every, NULL);
  unsigned long rounds = 0;
  while (g_ticks < 3000) {
    pthread_mutex_lock(&g_main_outer);
    pthread_mutex_lock(&g_main_inner);
    pthread_mutex_unlock(&g_main_inner);
    if (pthread_mutex_trylock(&g_main_inner) == 0) pthread_mutex_unlock(&g_main_inner);
    pthread_mutex_lock(&g_main_recursive);
    pthread_mutex_lock(&g_main_recursive);
    pthread_mutex_unlock(&g_main_recursive);
    pthread_mutex_unlock(&g_main_recursive);
    pthread_mutex_unlock(&g_main_outer);
    pthread_rwlock_rdlock(&g_main_rwlock);
    pthread_rwlock_unlock(&g_main_rwlock);
    ++rounds;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  printf("signal-handler: finished (%s)\n", rounds > 0 ? "main looped" : "main never looped");
  return 0;
}

/* ---- signal-inversion: a real hazard. The handler runs (raise: at once, on
 * this thread) while main holds A and takes H: A => H. Later main takes H
 * then A: H => A. Had the signal come while main held H, or had another
 * thread run the second part, they would deadlock: reported. */
static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_h = PTHREAD_MUTEX_INITIALIZER;

static void on_usr1_lock_h(int signal_number) {
  (void)signal_number;
  pthread_mutex_lock(&g_h);
  pthread_mutex_unlock(&g_h);
}

static int signal_inversion(void) {
  install(SIGUSR1, on_usr1_lock_h);
  pthread_mutex_lock(&g_a);
  raise(SIGUSR1);
  pthread_mutex_unlock(&g_a);
  pthread_mutex_lock(&g_h);
  pthread_mutex_lock(&g_a);
  pthread_mutex_unlock(&g_a);
  pthread_mutex_unlock(&g_h);
  puts("signal-inversion: finished");
  return 0;
}

/* ---- signal-self-deadlock: the handler takes the mutex the code it
 * interrupted holds: it waits for its own thread forever (plain: a hang;
 * concheck: a self-deadlock report, exit 66). */
static int signal_self_deadlock(void) {
  install(SIGUSR1, on_usr1_lock_h);
  pthread_mutex_lock(&g_h);
  raise(SIGUSR1);
  pthread_mutex_unlock(&g_h);
  puts("signal-self-deadlock: not reached");
  return 0;
}

/* ---- cancel-cleanup: the standard pattern. A thread waits on a condition
 * variable with a cleanup handler that unlocks the mutex; it is cancelled
 * in the wait. glibc re-acquires the mutex before the cleanup handler runs,
 * so the handler's unlock is correct. Once with pthread_cond_wait, once
 * with pthread_cond_timedwait. */
static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_never = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_ready = PTHREAD_COND_INITIALIZER;
static int g_waiting;
static int g_cleaned;

static void unlock_mutex(void* mutex) {
  ++g_cleaned;
  pthread_mutex_unlock((pthread_mutex_t*)mutex);
}

static void* waiter(void* timed) {
  pthread_mutex_lock(&g_mutex);
  pthread_cleanup_push(unlock_mutex, &g_mutex);
  g_waiting = 1;
  pthread_cond_signal(&g_ready);
  for (;;) {
    if (timed != NULL) {
      struct timespec far;
      clock_gettime(CLOCK_REALTIME, &far);
      far.tv_sec += 3600;
      pthread_cond_timedwait(&g_never, &g_mutex, &far);
    } else {
      pthread_cond_wait(&g_never, &g_mutex);
    }
  }
  pthread_cleanup_pop(1);
  return NULL;
}

static int cancel_one(int timed) {
  pthread_t thread;
  g_waiting = 0;
  if (pthread_create(&thread, NULL, waiter, timed ? &g_waiting : NULL) != 0) return 1;
  /* The waiter sets the flag holding the mutex and releases it only inside
   * its wait: holding the mutex and seeing the flag, it is in the wait. */
  pthread_mutex_lock(&g_mutex);
  while (!g_waiting) pthread_cond_wait(&g_ready, &g_mutex);
  pthread_cancel(thread);
  pthread_mutex_unlock(&g_mutex);
  void* result = NULL;
  pthread_join(thread, &result);
  if (result != PTHREAD_CANCELED) return 1;
  /* The mutex is free again, and nobody is thought to hold it. */
  pthread_mutex_lock(&g_mutex);
  pthread_mutex_unlock(&g_mutex);
  return 0;
}

static int cancel_cleanup(void) {
  if (cancel_one(0) != 0 || cancel_one(1) != 0) {
    puts("cancel-cleanup: the waiter was not cancelled");
    return 1;
  }
  printf("cancel-cleanup: finished (%d cleanups)\n", g_cleaned);
  return 0;
}

/* ---- cancel-sem-wait: a thread cancelled in sem_wait whose cleanup
 * handler takes a while (a sleep concheck does not see) while main joins it.
 * Before the fix the cancelled thread stayed registered in the wait it had
 * left, main's join made every thread look blocked, and the watchdog ended
 * the program with a false deadlock. */
static sem_t g_never_posted;
static sem_t g_in_wait;

static void slow_cleanup(void* unused) {
  (void)unused;
  ++g_cleaned;
  struct timespec pause = {0, 400 * 1000 * 1000};
  nanosleep(&pause, NULL);
}

static void* sem_waiter(void* unused) {
  (void)unused;
  pthread_cleanup_push(slow_cleanup, NULL);
  sem_post(&g_in_wait);
  for (;;) sem_wait(&g_never_posted);
  pthread_cleanup_pop(0);
  return NULL;
}

static int cancel_sem_wait(void) {
  sem_init(&g_never_posted, 0, 0);
  sem_init(&g_in_wait, 0, 0);
  pthread_t thread;
  if (pthread_create(&thread, NULL, sem_waiter, NULL) != 0) return 1;
  sem_wait(&g_in_wait);
  /* Deferred cancellation acts in the waiter's next sem_wait (or the one it
   * is in): either way inside the interposed, registered wait. */
  pthread_cancel(thread);
  void* result = NULL;
  pthread_join(thread, &result);
  if (result != PTHREAD_CANCELED) {
    puts("cancel-sem-wait: the waiter was not cancelled");
    return 1;
  }
  printf("cancel-sem-wait: finished (%d cleanups)\n", g_cleaned);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs(
        "usage: signal_cancel_c "
        "signal-handler|signal-inversion|signal-self-deadlock|cancel-cleanup|cancel-sem-wait\n",
        stderr);
    return 2;
  }
  if (strcmp(argv[1], "signal-handler") == 0) return signal_handler();
  if (strcmp(argv[1], "signal-inversion") == 0) return signal_inversion();
  if (strcmp(argv[1], "signal-self-deadlock") == 0) return signal_self_deadlock();
  if (strcmp(argv[1], "cancel-cleanup") == 0) return cancel_cleanup();
  if (strcmp(argv[1], "cancel-sem-wait") == 0) return cancel_sem_wait();
  fprintf(stderr, "unknown scenario '%s'\n", argv[1]);
  return 2;
}
