// concheck::thread and jthread: the std API, names that reach the new thread,
// argument copying, and jthread's stop token.
#include <gtest/gtest.h>
#include <pthread.h>

#include <concheck/concheck.hpp>
#include <memory>
#include <stop_token>
#include <string>
#include <utility>

namespace {

std::string os_thread_name() {
  char name[32] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

TEST(Thread, RunsTheCallableWithCopiedAndReferencedArguments) {
  int by_reference = 0;
  std::string copied = "copied";
  concheck::thread t([](int& target, std::string text,
                        std::unique_ptr<int> owned) { target = static_cast<int>(text.size()) + *owned; },
                     std::ref(by_reference), copied, std::make_unique<int>(4));
  EXPECT_TRUE(t.joinable());
  EXPECT_NE(t.get_id(), concheck::thread::id());
  t.join();
  EXPECT_FALSE(t.joinable());
  EXPECT_EQ(by_reference, 10);
}

TEST(Thread, NamedThreadKnowsItsNameBeforeRunning) {
  std::string seen;
  concheck::thread t(
      concheck::thread_name("worker-1"), [&seen](int) { seen = os_thread_name(); }, 1);
  t.join();
  EXPECT_EQ(seen, "worker-1");
}

TEST(Thread, LongNamesAreTruncatedForTheOs) {
  std::string seen;
  concheck::thread t(concheck::thread_name(std::string("a-rather-long-thread-name")),
                     [&] { seen = os_thread_name(); });
  t.join();
  EXPECT_EQ(seen, std::string("a-rather-long-thread-name").substr(0, 15));
}

TEST(Thread, MovesSwapsAndDetaches) {
  concheck::event done("done");
  concheck::thread first(concheck::thread_name("first"), [&] { done.set(); });
  concheck::thread second;
  EXPECT_FALSE(second.joinable());
  second = std::move(first);
  EXPECT_FALSE(first.joinable());
  swap(first, second);
  ASSERT_TRUE(first.joinable());
  first.detach();
  EXPECT_FALSE(first.joinable());
  done.wait();
  EXPECT_GE(concheck::thread::hardware_concurrency(), 0u);
}

TEST(JThread, PassesTheStopTokenAndJoinsOnDestruction) {
  concheck::mutex m("m");
  concheck::condition_variable_any wake("wake");
  bool stopped = false;
  {
    concheck::jthread worker(
        concheck::thread_name("stoppable"),
        [&](std::stop_token stop, int unused) {
          static_cast<void>(unused);
          std::unique_lock<concheck::mutex> lock(m);
          wake.wait(lock, stop, [] { return false; });
          stopped = stop.stop_requested();
        },
        0);
    EXPECT_TRUE(worker.get_stop_token().stop_possible());
  }  // requests the stop, then joins
  EXPECT_TRUE(stopped);
}

TEST(JThread, CallableWithoutStopTokenAndExplicitRequest) {
  int ran = 0;
  concheck::jthread plain(
      concheck::thread_name("plain"), [&ran](int add) { ran += add; }, 2);
  plain.join();
  EXPECT_EQ(ran, 2);
  concheck::jthread unnamed([](std::stop_token stop) { static_cast<void>(stop); });
  EXPECT_TRUE(unnamed.request_stop());
  EXPECT_TRUE(unnamed.get_stop_source().stop_requested());
}

}  // namespace
