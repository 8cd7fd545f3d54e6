// Lesson 2, fixed: state_lock is a recursive mutex (Python's RLock), so the
// thread that holds it may take it again; it is released when every lock has
// been matched by an unlock. (Often better still: split inner() into a
// version that expects the lock held, and keep the plain mutex.)
#include <concheck/concheck.hpp>
#include <cstdio>
#include <mutex>

namespace {

concheck::recursive_mutex state_lock("state_lock");
int counter = 0;

void inner() {
  std::lock_guard<concheck::recursive_mutex> guard(state_lock);  // fine: recursive
  counter += 1;
}

void outer() {
  std::lock_guard<concheck::recursive_mutex> guard(state_lock);
  counter += 1;
  inner();
}

}  // namespace

int main() {
  outer();
  std::printf("lock_vs_rlock_fixed: counter %d\n", counter);
  return 0;
}
