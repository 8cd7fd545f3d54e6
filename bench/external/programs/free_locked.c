/* expect: destroy-locked
 * free() of memory that holds a locked mutex. */
#include <pthread.h>
#include <stdlib.h>

int main(void) {
  pthread_mutex_t* m = malloc(sizeof *m);
  if (m == NULL) return 1;
  pthread_mutex_init(m, NULL);
  pthread_mutex_lock(m);
  free(m);
  return 0;
}
