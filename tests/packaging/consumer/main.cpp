// Consumer of concheck: unmodified std:: code taking two locks in both orders,
// one after the other (no real deadlock). Instrumented by concheck (linked, or
// LD_PRELOADed when built with CONSUMER_NOT_LINKED), the run reports a
// lock-order inversion; the packaging test checks that it does.
#include <cstdio>
#include <mutex>
#include <thread>
#ifndef CONSUMER_NOT_LINKED
#include <concheck/version.hpp>
#endif

int main() {
  std::mutex a;
  std::mutex b;
  std::thread one([&] {
    std::lock_guard<std::mutex> first(a);
    std::lock_guard<std::mutex> second(b);
  });
  one.join();
  std::thread two([&] {
    std::lock_guard<std::mutex> first(b);
    std::lock_guard<std::mutex> second(a);
  });
  two.join();
#ifdef CONSUMER_NOT_LINKED
  std::printf("consumer ran, linked with nothing of concheck\n");
#else
  std::printf("consumer linked concheck %s\n", concheck::version());
#endif
  return 0;
}
