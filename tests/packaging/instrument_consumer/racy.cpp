// Instrumented by concheck_instrument(): two threads write `shared_total`
// after a latch with no lock (a data race concheck reports), and call into
// plain_part (not instrumented) and racy_c.c (C, instrumented).
#include <cstdio>
#include <latch>
#include <thread>

long plain_part_value();
extern "C" int c_part_value(void);

long shared_total = 0;

int main() {
  std::latch start(2);
  auto work = [&start] {
    start.arrive_and_wait();
    shared_total += plain_part_value();  // races with the other thread's
  };
  std::thread one(work);
  std::thread two(work);
  one.join();
  two.join();
  std::printf("consumer ran, instrumented with concheck: %ld %d\n", shared_total, c_part_value());
  return 0;
}
