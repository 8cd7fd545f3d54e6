// Consumer of concheck::gtest: one clean test and one whose lock-order
// inversion concheck turns into a failure of that test.
#include <gtest/gtest.h>

#include <concheck/gtest.hpp>
#include <mutex>
#include <thread>

TEST(consumer, clean) {
  std::mutex only;
  std::lock_guard<std::mutex> guard(only);
}

TEST(consumer, inversion) {
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
}
