// Lesson 1, fixed: both threads take lock_a before lock_b. One global order
// means no cycle, so no interleaving can deadlock; concheck stays quiet.
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
  one_done.wait();                                 // the same forced order as the buggy program
  std::lock_guard<concheck::mutex> first(lock_a);  // the fix: lock_a first here too
  std::lock_guard<concheck::mutex> second(lock_b);
  shared_total += 2;
}

}  // namespace

int main() {
  concheck::latch one_done(1, "one_done");
  concheck::thread one(concheck::thread_name("thread_one"), thread_one, std::ref(one_done));
  concheck::thread two(concheck::thread_name("thread_two"), thread_two, std::ref(one_done));
  one.join();
  two.join();
  std::printf("lock_ab_fixed: total %d\n", shared_total);
  return 0;
}
