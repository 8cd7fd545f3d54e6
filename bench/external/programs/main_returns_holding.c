/* expect: thread-exit-holding-lock
 * main returns while it still holds a lock. */
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

int main(void) {
  pthread_mutex_lock(&m);
  return 0;
}
