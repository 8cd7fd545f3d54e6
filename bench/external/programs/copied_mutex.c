/* expect: clean
 * A pthread_mutex_t copied (while unlocked) after it was used: the copy is
 * another lock. Nesting the original and the copy is no self-deadlock. */
#include <pthread.h>
#include <string.h>

int main(void) {
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&a);
  pthread_mutex_unlock(&a);
  pthread_mutex_t b;
  memcpy(&b, &a, sizeof b);
  pthread_mutex_lock(&a);
  pthread_mutex_lock(&b);
  pthread_mutex_unlock(&b);
  pthread_mutex_unlock(&a);
  return 0;
}
