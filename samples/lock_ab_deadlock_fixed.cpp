// Lesson 1b, fixed: each thread still names the locks in its own order, but
// takes them together with std::scoped_lock, whose std::lock algorithm backs
// off (try_lock, release, retry) instead of holding one lock while blocking on
// the other. The barrier still lines the threads up to contend; no
// interleaving can deadlock, and concheck knows back-off is not a lock-order
// edge, so the run is clean.
#include <concheck/concheck.hpp>
#include <cstdio>
#include <mutex>

namespace {

concheck::mutex lock_a("lock_a");
concheck::mutex lock_b("lock_b");
concheck::barrier start_together(2, "start_together");
int shared_total = 0;

void thread_one() {
  start_together.arrive_and_wait();
  std::scoped_lock both(lock_a, lock_b);
  shared_total += 1;
}

void thread_two() {
  start_together.arrive_and_wait();
  std::scoped_lock both(lock_b, lock_a);  // any order: scoped_lock avoids the deadlock
  shared_total += 2;
}

}  // namespace

int main() {
  concheck::thread one(concheck::thread_name("thread_one"), thread_one);
  concheck::thread two(concheck::thread_name("thread_two"), thread_two);
  one.join();
  two.join();
  std::printf("lock_ab_deadlock_fixed: total %d\n", shared_total);
  return 0;
}
