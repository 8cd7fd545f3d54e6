/* expect: lock-order-inversion
 * An A/B inversion between two pthread spin locks, in one thread (never hangs). */
#include <pthread.h>

int main(void) {
  pthread_spinlock_t a, b;
  pthread_spin_init(&a, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&b, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&a);
  pthread_spin_lock(&b);
  pthread_spin_unlock(&b);
  pthread_spin_unlock(&a);
  pthread_spin_lock(&b);
  pthread_spin_lock(&a);
  pthread_spin_unlock(&a);
  pthread_spin_unlock(&b);
  pthread_spin_destroy(&b);
  pthread_spin_destroy(&a);
  return 0;
}
