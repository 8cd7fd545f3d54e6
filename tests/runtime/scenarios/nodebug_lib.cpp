// A small shared library built with no debug information (-g0): what an
// interpreter's or a vendor's library looks like to concheck. Frames in it
// have a function name (the symbol table) but no file or line, so reports
// must place them by module and offset. Sibling calls stay calls
// (-fno-optimize-sibling-calls, and the counter below) so that each function
// keeps its own frame on the stack.
#include <pthread.h>

namespace {
volatile int g_calls = 0;
}

extern "C" {

// Locks `first`, then `second`: the inversion happens inside this library.
void nodebug_lock_pair(pthread_mutex_t* first, pthread_mutex_t* second) {
  pthread_mutex_lock(first);
  pthread_mutex_lock(second);
  g_calls = g_calls + 1;
}

void nodebug_unlock_pair(pthread_mutex_t* first, pthread_mutex_t* second) {
  pthread_mutex_unlock(second);
  pthread_mutex_unlock(first);
  g_calls = g_calls + 1;
}

void nodebug_lock(pthread_mutex_t* mutex) {
  pthread_mutex_lock(mutex);
  g_calls = g_calls + 1;
}

// Threads are created here, so their creation site is in this library too.
int nodebug_spawn(pthread_t* thread, void* (*body)(void*), void* argument) {
  const int result = pthread_create(thread, nullptr, body, argument);
  g_calls = g_calls + 1;
  return result;
}

}  // extern "C"
