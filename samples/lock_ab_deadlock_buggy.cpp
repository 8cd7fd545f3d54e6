// Lesson 1b, buggy: the same A/B inversion, forced into a REAL deadlock. A
// barrier makes each thread hold its first lock before either asks for its
// second, so thread_one waits for lock_b (held by thread_two) while thread_two
// waits for lock_a (held by thread_one). Without concheck this program hangs
// forever; with it, the `deadlock` is reported (who holds what, who waits
// where) and the process ends with exit code 66.
#include <concheck/concheck.hpp>
#include <cstdio>
#include <mutex>

namespace {

concheck::mutex lock_a("lock_a");
concheck::mutex lock_b("lock_b");
concheck::barrier both_hold_one(2, "both_hold_one");

void thread_one() {
  std::lock_guard<concheck::mutex> first(lock_a);
  both_hold_one.arrive_and_wait();
  std::lock_guard<concheck::mutex> second(lock_b);  // blocks forever: thread_two holds lock_b
}

void thread_two() {
  std::lock_guard<concheck::mutex> first(lock_b);
  both_hold_one.arrive_and_wait();
  std::lock_guard<concheck::mutex> second(lock_a);  // blocks forever: thread_one holds lock_a
}

}  // namespace

int main() {
  concheck::thread one(concheck::thread_name("thread_one"), thread_one);
  concheck::thread two(concheck::thread_name("thread_two"), thread_two);
  one.join();
  two.join();
  std::printf("lock_ab_deadlock_buggy: unreachable, the threads deadlock\n");
  return 0;
}
