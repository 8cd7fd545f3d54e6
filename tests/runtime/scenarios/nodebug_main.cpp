// A program whose locking happens inside a library built without debug
// information (nodebug_lib.cpp): every report frame and site there has no
// file:line, only a function and the module+offset. Scenarios:
//   inversion  threads created in the library take two mutexes in both orders
//              through it (a potential deadlock, reported; exit 0)
//   dump       a thread created in the library holds a mutex it took there
//              and raises SIGUSR1 (with dump_threads_signal=10: a thread dump)
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstring>

extern "C" {
void nodebug_lock_pair(pthread_mutex_t* first, pthread_mutex_t* second);
void nodebug_unlock_pair(pthread_mutex_t* first, pthread_mutex_t* second);
void nodebug_lock(pthread_mutex_t* mutex);
int nodebug_spawn(pthread_t* thread, void* (*body)(void*), void* argument);
}

namespace {

pthread_mutex_t g_first = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_second = PTHREAD_MUTEX_INITIALIZER;

void* forward(void*) {
  nodebug_lock_pair(&g_first, &g_second);
  nodebug_unlock_pair(&g_first, &g_second);
  return nullptr;
}

void* backward(void*) {
  nodebug_lock_pair(&g_second, &g_first);
  nodebug_unlock_pair(&g_second, &g_first);
  return nullptr;
}

// One after the other: the order conflict is reported, nothing blocks.
int inversion() {
  pthread_t thread;
  if (nodebug_spawn(&thread, &forward, nullptr) != 0) return 2;
  pthread_join(thread, nullptr);
  if (nodebug_spawn(&thread, &backward, nullptr) != 0) return 2;
  pthread_join(thread, nullptr);
  std::puts("inversion: finished");
  return 0;
}

void* hold_and_dump(void*) {
  nodebug_lock(&g_first);
  std::raise(SIGUSR1);  // this thread's own signal: the dump sees it holding g_first
  pthread_mutex_unlock(&g_first);
  return nullptr;
}

int dump() {
  pthread_t thread;
  if (nodebug_spawn(&thread, &hold_and_dump, nullptr) != 0) return 2;
  pthread_join(thread, nullptr);
  std::puts("dump: finished");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "inversion") == 0) return inversion();
  if (argc == 2 && std::strcmp(argv[1], "dump") == 0) return dump();
  std::fputs("usage: nodebug inversion|dump\n", stderr);
  return 2;
}
