// Lesson 1, buggy: lock ordering. thread_one takes lock_a then lock_b;
// thread_two takes lock_b then lock_a. Here thread_two only starts once
// thread_one is done (a latch forces that order), so this run cannot hang; but
// another run could interleave them into a deadlock. concheck reports the
// `lock-order-inversion` (potential deadlock) from this harmless run.
#include <concheck/concheck.hpp>
#include <cstdio>
#include <mutex>

namespace {

concheck::mutex lock_a("lock_a");
concheck::mutex lock_b("lock_b");
int shared_total = 0;

void thread_one(concheck::latch& one_done) {
  std::lock_guard<concheck::mutex> first(lock_a);
  std::lock_guard<concheck::mutex> second(lock_b);
  shared_total += 1;
  one_done.count_down();
}

void thread_two(concheck::latch& one_done) {
  one_done.wait();  // forced order: thread_one has released both locks
  std::lock_guard<concheck::mutex> first(lock_b);
  std::lock_guard<concheck::mutex> second(lock_a);  // closes the cycle lock_a => lock_b => lock_a
  shared_total += 2;
}

}  // namespace

int main() {
  concheck::latch one_done(1, "one_done");
  concheck::thread one(concheck::thread_name("thread_one"), thread_one, std::ref(one_done));
  concheck::thread two(concheck::thread_name("thread_two"), thread_two, std::ref(one_done));
  one.join();
  two.join();
  std::printf("lock_ab_buggy: total %d; this run finished, another could deadlock\n", shared_total);
  return 0;
}
