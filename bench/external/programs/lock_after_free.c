/* expect: finding
 * A mutex locked after the memory holding it was freed. The mutex sits 64
 * bytes into its block so the allocator's own bookkeeping in a freed block
 * does not overwrite it (which would make the lock hang, not report). */
#include <pthread.h>
#include <stdlib.h>

struct account {
  char header[64];
  pthread_mutex_t m;
};

int main(void) {
  struct account* acc = malloc(sizeof *acc);
  if (acc == NULL) return 1;
  pthread_mutex_init(&acc->m, NULL);
  pthread_mutex_lock(&acc->m);
  pthread_mutex_unlock(&acc->m);
  pthread_mutex_t* stale = &acc->m;
  free(acc);
  pthread_mutex_lock(stale);
  pthread_mutex_unlock(stale);
  return 0;
}
