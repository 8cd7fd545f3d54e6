// Lesson 2, buggy: Lock vs RLock. outer() takes state_lock and calls inner(),
// which takes state_lock again. A non-recursive mutex cannot be taken twice by
// one thread: with std::mutex this hangs forever (or is undefined behavior).
// concheck reports the `self-deadlock` at inner()'s lock and ends the process
// with exit code 66.
#include <concheck/concheck.hpp>
#include <cstdio>
#include <mutex>

namespace {

concheck::mutex state_lock("state_lock");
int counter = 0;

void inner() {
  std::lock_guard<concheck::mutex> guard(state_lock);  // second lock by the same thread
  counter += 1;
}

void outer() {
  std::lock_guard<concheck::mutex> guard(state_lock);
  counter += 1;
  inner();
}

}  // namespace

int main() {
  outer();
  std::printf("lock_vs_rlock_buggy: unreachable, counter %d\n", counter);
  return 0;
}
