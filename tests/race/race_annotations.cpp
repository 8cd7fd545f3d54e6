// Race detection for code compiled without instrumentation: concheck::shared<T>
// and CONCHECK_READ/CONCHECK_WRITE (runtime/include/concheck/shared.hpp). This
// file is built plainly (no -fsanitize=thread); race_integration_test.cpp runs
// one scenario per child and reads its JSON Lines log.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "concheck/shared.hpp"

namespace {

// Orders two threads in time without any synchronization race detection
// sees (a pipe): the second starts after the first is done.
void one_after_other(const std::function<void()>& a, const std::function<void()>& b) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  std::thread first([&] {
    a();
    const char byte = 1;
    if (::write(fds[1], &byte, 1) != 1) std::abort();
  });
  std::thread second([&] {
    char byte;
    if (::read(fds[0], &byte, 1) != 1) std::abort();
    b();
  });
  first.join();
  second.join();
  ::close(fds[0]);
  ::close(fds[1]);
}

concheck::shared<long> g_hits{0};
std::mutex g_hits_lock;
long g_plain = 0;

__attribute__((noinline)) void count_hit() {
  g_hits.update([](long& h) { ++h; });
}

__attribute__((noinline)) void count_hit_locked() {
  std::lock_guard guard(g_hits_lock);
  g_hits = g_hits + 1;
}

__attribute__((noinline)) void write_plain() {
  CONCHECK_WRITE(g_plain);
  g_plain = 1;
}

__attribute__((noinline)) long read_plain() {
  CONCHECK_READ(g_plain);
  return g_plain;
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<void()>> scenarios = {
      {"shared-race", [] { one_after_other(count_hit, count_hit); }},
      {"shared-locked-ok", [] { one_after_other(count_hit_locked, count_hit_locked); }},
      {"macro-race", [] { one_after_other(write_plain, [] { std::printf("plain %ld\n", read_plain()); }); }},
  };
  if (argc != 2 || scenarios.count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: race_annotations <scenario>\n");
    return 2;
  }
  scenarios.at(argv[1])();
  return 0;
}
