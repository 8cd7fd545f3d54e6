// A GoogleTest program compiled with race detection's instrumentation and
// linked with concheck::gtest, as a user would; run as a child by
// race_integration_test.cpp, never registered with CTest itself. The
// listener turns a data race into a failure of the test that raced.
#include <unistd.h>

#include <concheck/gtest.hpp>
#include <mutex>
#include <thread>

namespace {

// Runs a then b, b after a, ordered by a pipe only (no happens-before).
template <class A, class B>
void one_after_other(A a, B b) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread first([&] {
    a();
    const char byte = 1;
    (void)!::write(fds[1], &byte, 1);
  });
  std::thread second([&] {
    char byte;
    (void)!::read(fds[0], &byte, 1);
    b();
  });
  first.join();
  second.join();
  close(fds[0]);
  close(fds[1]);
}

long hits = 0;
std::mutex hits_lock;

TEST(RaceChild, PlainCounterRaces) {
  one_after_other([] { ++hits; }, [] { ++hits; });
}

TEST(RaceChild, LockedCounterIsClean) {
  one_after_other(
      [] {
        std::lock_guard guard(hits_lock);
        ++hits;
      },
      [] {
        std::lock_guard guard(hits_lock);
        ++hits;
      });
}

}  // namespace
