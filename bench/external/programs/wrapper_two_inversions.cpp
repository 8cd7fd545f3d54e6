// expect: lock-order-inversion x2
// Two unrelated inversions, A/B and C/D, both through one lock wrapper class:
// every acquisition has the same innermost frames (the wrapper's), so only the
// user frames tell the two cycles apart. Each must be its own report.
#include <pthread.h>

namespace {

class lock {
 public:
  lock() { pthread_mutex_init(&m_, nullptr); }
  ~lock() { pthread_mutex_destroy(&m_); }
  [[gnu::noinline]] void acquire() { pthread_mutex_lock(&m_); }
  [[gnu::noinline]] void release() { pthread_mutex_unlock(&m_); }

 private:
  pthread_mutex_t m_;
};

lock a, b, c, d;

[[gnu::noinline]] void both(lock& first, lock& second) {
  first.acquire();
  second.acquire();
  second.release();
  first.release();
}

[[gnu::noinline]] void accounts_ab() {
  both(a, b);
}
[[gnu::noinline]] void accounts_ba() {
  both(b, a);
}
[[gnu::noinline]] void queues_cd() {
  both(c, d);
}
[[gnu::noinline]] void queues_dc() {
  both(d, c);
}

}  // namespace

int main() {
  accounts_ab();
  accounts_ba();
  queues_cd();
  queues_dc();
  return 0;
}
