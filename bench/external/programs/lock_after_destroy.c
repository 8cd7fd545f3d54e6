/* expect: finding
 * A mutex locked after pthread_mutex_destroy (undefined behaviour; glibc lets
 * it pass). Any report is accepted: the point is that one is made. */
#include <pthread.h>

int main(void) {
  pthread_mutex_t m;
  pthread_mutex_init(&m, NULL);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_destroy(&m);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  return 0;
}
