// Unmodified programs whose threads all block on waits with no timeout, and
// are woken by something concheck cannot see: a signal handler, a timer's
// thread, another process through a process-shared object. Each finishes
// cleanly (exit 0) without concheck and must with it too; the "no-waker"
// variants are the same waits with nothing to end them, which concheck must
// still end as a deadlock. runtime_outside_waker_test.cpp runs each mode.
// The pauses below stand for the outside world being slow; no verdict
// depends on their length (a waker concheck cannot see only ever gives a
// warning, and only after outside_waker_grace_ms).
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace {

sem_t g_semaphore;

void post_on_signal(int) {
  sem_post(&g_semaphore);
}

void install(int sig, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(sig, &action, nullptr);
}

void pause_ms(long ms) {
  timespec pause{ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&pause, &pause) != 0) {
  }
}

// SIGALRM's handler posts the semaphore main waits on.
int signal_posts_semaphore() {
  sem_init(&g_semaphore, 0, 0);
  install(SIGALRM, post_on_signal);
  itimerval timer{};
  timer.it_value.tv_usec = 600 * 1000;
  setitimer(ITIMER_REAL, &timer, nullptr);
  while (sem_wait(&g_semaphore) != 0) {
  }
  std::puts("signal-sem: woken by the handler");
  return 0;
}

// The same wait with no handler and nobody to post: a real deadlock.
int semaphore_nobody_posts() {
  sem_init(&g_semaphore, 0, 0);
  sem_wait(&g_semaphore);
  std::puts("no-waker-sem: not reached");
  return 0;
}

// A SIGEV_THREAD timer: glibc runs the notification on a thread of its own,
// started without the public pthread_create.
std::mutex g_mutex;
std::condition_variable g_cv;
bool g_ready = false;

void timer_fires(sigval) {
  std::lock_guard<std::mutex> guard(g_mutex);
  g_ready = true;
  g_cv.notify_all();
}

int sigev_thread_timer() {
  sigevent event{};
  event.sigev_notify = SIGEV_THREAD;
  event.sigev_notify_function = timer_fires;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) return 3;
  itimerspec when{};
  when.it_value.tv_nsec = 600L * 1000 * 1000;
  timer_settime(timer, 0, &when, nullptr);
  std::unique_lock<std::mutex> lock(g_mutex);
  g_cv.wait(lock, [] { return g_ready; });
  std::puts("sigev-thread: woken by the timer's thread");
  return 0;
}

template <class T>
T* shared_memory() {
  void* memory = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return memory == MAP_FAILED ? nullptr : new (memory) T{};
}

int finish_child(pid_t child, const char* message) {
  int status = 0;
  waitpid(child, &status, 0);
  std::puts(message);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 4;
}

// A process-shared mutex held by another process for a while.
int pshared_mutex() {
  auto* m = shared_memory<pthread_mutex_t>();
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(m, &attributes);
  int ready[2];
  if (pipe(ready) != 0) return 3;
  const pid_t child = fork();
  if (child == 0) {
    pthread_mutex_lock(m);
    char byte = 1;
    (void)!write(ready[1], &byte, 1);
    pause_ms(1200);
    pthread_mutex_unlock(m);
    _exit(0);
  }
  char byte;
  (void)!read(ready[0], &byte, 1);
  pthread_mutex_lock(m);  // held by the child: blocks until it unlocks
  pthread_mutex_unlock(m);
  return finish_child(child, "pshared-mutex: released by the other process");
}

// A process-shared condition variable signalled by another process.
struct shared_flag {
  pthread_mutex_t mutex;
  pthread_cond_t cv;
  int set;
};

int pshared_condition() {
  auto* flag = shared_memory<shared_flag>();
  pthread_mutexattr_t mutex_attributes;
  pthread_mutexattr_init(&mutex_attributes);
  pthread_mutexattr_setpshared(&mutex_attributes, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&flag->mutex, &mutex_attributes);
  pthread_condattr_t cv_attributes;
  pthread_condattr_init(&cv_attributes);
  pthread_condattr_setpshared(&cv_attributes, PTHREAD_PROCESS_SHARED);
  pthread_cond_init(&flag->cv, &cv_attributes);
  const pid_t child = fork();
  if (child == 0) {
    pause_ms(1200);
    pthread_mutex_lock(&flag->mutex);
    flag->set = 1;
    pthread_cond_signal(&flag->cv);
    pthread_mutex_unlock(&flag->mutex);
    _exit(0);
  }
  pthread_mutex_lock(&flag->mutex);
  while (flag->set == 0) pthread_cond_wait(&flag->cv, &flag->mutex);
  pthread_mutex_unlock(&flag->mutex);
  return finish_child(child, "pshared-cond: signalled by the other process");
}

// A named semaphore (what Python's multiprocessing.Lock is) posted by another process.
int named_semaphore() {
  char name[64];
  std::snprintf(name, sizeof name, "/concheck-test-%d", static_cast<int>(getpid()));
  sem_t* semaphore = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
  if (semaphore == SEM_FAILED) return 3;
  sem_unlink(name);
  const pid_t child = fork();
  if (child == 0) {
    pause_ms(1200);
    sem_post(semaphore);
    _exit(0);
  }
  while (sem_wait(semaphore) != 0) {
  }
  return finish_child(child, "named-sem: posted by the other process");
}

// An idle service: a worker waits on a queue, another on a stop event, main
// joins them; SIGTERM (sent by a timer here) is what ends it all.
volatile sig_atomic_t g_terminate = 0;

void on_terminate(int) {
  g_terminate = 1;
  sem_post(&g_semaphore);
}

int idle_service() {
  sem_init(&g_semaphore, 0, 0);
  install(SIGTERM, on_terminate);
  bool stop = false;
  std::thread queue_worker([&] {
    std::unique_lock<std::mutex> lock(g_mutex);
    g_cv.wait(lock, [&] { return stop; });
  });
  std::thread signal_waiter([&] {
    while (sem_wait(&g_semaphore) != 0) {
    }
    std::lock_guard<std::mutex> guard(g_mutex);
    stop = true;
    g_cv.notify_all();
  });
  sigevent event{};
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGTERM;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) return 3;
  itimerspec when{};
  when.it_value.tv_nsec = 600L * 1000 * 1000;
  timer_settime(timer, 0, &when, nullptr);
  queue_worker.join();
  signal_waiter.join();
  std::puts(g_terminate != 0 ? "idle-service: stopped by SIGTERM" : "idle-service: ?");
  return 0;
}

// A handler is installed but the signal comes only from outside (the test
// sends SIGUSR1 once concheck has warned).
int wait_for_usr1() {
  sem_init(&g_semaphore, 0, 0);
  install(SIGUSR1, post_on_signal);
  std::puts("usr1: waiting");
  std::fflush(stdout);
  while (sem_wait(&g_semaphore) != 0) {
  }
  std::puts("usr1: woken");
  return 0;
}

// A lock cycle is a deadlock whatever could wake a waiter: a real AB/BA
// deadlock while a signal handler is installed still ends with exit 66.
int cycle_with_handler() {
  install(SIGUSR1, post_on_signal);
  std::mutex a;
  std::mutex b;
  pthread_barrier_t both;
  pthread_barrier_init(&both, nullptr, 2);
  std::thread first([&] {
    std::lock_guard<std::mutex> ga(a);
    pthread_barrier_wait(&both);
    std::lock_guard<std::mutex> gb(b);
  });
  std::thread second([&] {
    std::lock_guard<std::mutex> gb(b);
    pthread_barrier_wait(&both);
    std::lock_guard<std::mutex> ga(a);
  });
  first.join();
  second.join();
  std::puts("cycle-with-handler: not reached");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr,
                 "usage: %s signal-sem|no-waker-sem|sigev-thread|pshared-mutex|pshared-cond|named-sem|"
                 "idle-service|usr1|cycle-with-handler\n",
                 argv[0]);
    return 2;
  }
  const char* mode = argv[1];
  if (std::strcmp(mode, "signal-sem") == 0) return signal_posts_semaphore();
  if (std::strcmp(mode, "no-waker-sem") == 0) return semaphore_nobody_posts();
  if (std::strcmp(mode, "sigev-thread") == 0) return sigev_thread_timer();
  if (std::strcmp(mode, "pshared-mutex") == 0) return pshared_mutex();
  if (std::strcmp(mode, "pshared-cond") == 0) return pshared_condition();
  if (std::strcmp(mode, "named-sem") == 0) return named_semaphore();
  if (std::strcmp(mode, "idle-service") == 0) return idle_service();
  if (std::strcmp(mode, "usr1") == 0) return wait_for_usr1();
  if (std::strcmp(mode, "cycle-with-handler") == 0) return cycle_with_handler();
  std::fprintf(stderr, "unknown mode '%s'\n", mode);
  return 2;
}
