// Consumer of concheck: unmodified std:: code taking two locks in both orders,
// one after the other (no real deadlock). Linked against concheck::runtime, the
// run reports a lock-order inversion; the packaging test checks that it does.
#include <concheck/version.hpp>
#include <cstdio>
#include <mutex>
#include <thread>

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
  std::printf("consumer linked concheck %s\n", concheck::version());
  return 0;
}
