// concheck's runtime benchmarks: the same workloads, built three ways by
// bench/CMakeLists.txt (plain, linked with concheck::runtime, and under
// ThreadSanitizer). This file is plain standard C++ on purpose: the concheck
// build measures what interposing unmodified std::mutex / std::thread /
// std::condition_variable code costs.
//
//   concheck_bench_<variant> WORKLOAD [REPETITIONS]
// prints one line `workload=W ns_per_op=MEDIAN samples=S1,S2,... rss_kib=PEAK`,
// where MEDIAN is the median of the repetitions' ns per operation (each
// sample listed, so a driver can pool samples of several processes) and PEAK
// the process's peak RSS (VmHWM). Run each workload in its own process so its
// peak is its own.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

double ns_since(clock_type::time_point start, std::uint64_t ops) {
  return std::chrono::duration<double, std::nano>(clock_type::now() - start).count() /
         static_cast<double>(ops);
}

// Keeps the compiler from optimizing a result away.
template <class T>
void keep(T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// Uncontended lock/unlock of one std::mutex by one thread.
double pair_workload() {
  constexpr std::uint64_t kOps = 2'000'000;
  std::mutex m;
  const auto start = clock_type::now();
  for (std::uint64_t i = 0; i < kOps; ++i) {
    m.lock();
    keep(i);
    m.unlock();
  }
  return ns_since(start, kOps);
}

// Two threads move money between 64 accounts, locking the lower-numbered
// account first (ordered acquisition: no deadlock, no inversion).
double transfer_workload() {
  constexpr int kAccounts = 64;
  constexpr std::uint64_t kPerThread = 300'000;
  struct account {
    std::mutex m;
    long balance = 1000;
  };
  std::vector<account> accounts(kAccounts);
  auto worker = [&](std::uint32_t seed) {
    std::uint32_t x = seed;
    for (std::uint64_t i = 0; i < kPerThread; ++i) {
      x ^= x << 13;  // xorshift32: deterministic, cheap
      x ^= x >> 17;
      x ^= x << 5;
      int a = static_cast<int>(x % kAccounts);
      int b = static_cast<int>((x >> 8) % kAccounts);
      if (a == b) b = (b + 1) % kAccounts;
      account& first = accounts[static_cast<std::size_t>(std::min(a, b))];
      account& second = accounts[static_cast<std::size_t>(std::max(a, b))];
      std::lock_guard<std::mutex> l1(first.m);
      std::lock_guard<std::mutex> l2(second.m);
      first.balance -= 1;
      second.balance += 1;
    }
  };
  const auto start = clock_type::now();
  std::thread t1(worker, 0x12345u);
  std::thread t2(worker, 0x9E3779B9u);
  t1.join();
  t2.join();
  long total = 0;
  for (auto& a : accounts) total += a.balance;
  if (total != 1000L * kAccounts) std::fprintf(stderr, "transfer: money was lost\n");
  return ns_since(start, 2 * kPerThread);
}

// A producer hands items to a consumer one at a time through a one-slot
// buffer guarded by a mutex and two condition variables.
double condvar_workload() {
  constexpr std::uint64_t kItems = 20'000;
  std::mutex m;
  std::condition_variable not_empty;
  std::condition_variable not_full;
  bool full = false;
  std::uint64_t slot = 0;
  std::uint64_t sum = 0;
  const auto start = clock_type::now();
  std::thread consumer([&] {
    for (std::uint64_t i = 0; i < kItems; ++i) {
      std::unique_lock<std::mutex> lock(m);
      not_empty.wait(lock, [&] { return full; });
      sum += slot;
      full = false;
      not_full.notify_one();
    }
  });
  for (std::uint64_t i = 0; i < kItems; ++i) {
    std::unique_lock<std::mutex> lock(m);
    not_full.wait(lock, [&] { return !full; });
    slot = i;
    full = true;
    not_empty.notify_one();
  }
  consumer.join();
  if (sum != kItems * (kItems - 1) / 2) std::fprintf(stderr, "condvar: items were lost\n");
  return ns_since(start, kItems);
}

// 1,000,000 short-lived heap mutexes, each locked while a long-lived lock is
// held (so each one enters the lock-order graph), then 2,000 threads created
// and joined, 8 at a time, each taking a lock. ns_per_op is per mutex; what
// matters here is that memory stays bounded (rss_kib).
double stress_workload() {
  constexpr std::uint64_t kMutexes = 1'000'000;
  constexpr int kThreads = 2'000;
  constexpr int kBatch = 8;
  std::mutex outer;
  const auto start = clock_type::now();
  for (std::uint64_t i = 0; i < kMutexes; ++i) {
    std::lock_guard<std::mutex> hold(outer);
    auto inner = std::make_unique<std::mutex>();
    inner->lock();
    keep(i);
    inner->unlock();
  }
  const double per_mutex = ns_since(start, kMutexes);
  std::mutex shared;
  long counter = 0;
  for (int done = 0; done < kThreads; done += kBatch) {
    std::vector<std::thread> batch;
    for (int t = 0; t < kBatch; ++t) {
      batch.emplace_back([&] {
        std::lock_guard<std::mutex> hold(shared);
        ++counter;
      });
    }
    for (auto& thread : batch) thread.join();
  }
  if (counter != kThreads) std::fprintf(stderr, "stress: lost thread increments\n");
  return per_mutex;
}

// free() while a lock is alive (concheck then checks freed memory for locks):
// 1,000,000 small malloc+free pairs, and 64 MiB blocks of which one page is
// touched (a free that read the block would fault in all of it).
std::mutex g_alive;  // one lock alive for the whole run

double free_small_workload() {
  g_alive.lock();
  g_alive.unlock();
  constexpr int kPairs = 1'000'000;
  const auto start = clock_type::now();
  for (int i = 0; i < kPairs; ++i) {
    void* p = std::malloc(32);
    keep(p);
    std::free(p);
  }
  return ns_since(start, kPairs);
}

double free_large_workload() {
  g_alive.lock();
  g_alive.unlock();
  constexpr int kBlocks = 20;
  constexpr std::size_t kBytes = std::size_t{64} << 20;
  const auto start = clock_type::now();
  for (int i = 0; i < kBlocks; ++i) {
    auto* p = static_cast<unsigned char*>(std::malloc(kBytes));
    p[0] = 1;
    keep(p);
    std::free(p);
  }
  return ns_since(start, kBlocks);
}

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s pair|transfer|condvar|stress|free_small|free_large [repetitions]\n",
                 argv[0]);
    return 2;
  }
  const std::string_view name = argv[1];
  double (*workload)() = nullptr;
  if (name == "pair") workload = pair_workload;
  if (name == "transfer") workload = transfer_workload;
  if (name == "condvar") workload = condvar_workload;
  if (name == "stress") workload = stress_workload;
  if (name == "free_small") workload = free_small_workload;
  if (name == "free_large") workload = free_large_workload;
  if (workload == nullptr) {
    std::fprintf(stderr,
                 "%s: unknown workload '%s' (pair, transfer, condvar, stress, free_small or free_large)\n",
                 argv[0], argv[1]);
    return 2;
  }
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  std::vector<double> results;
  for (int r = 0; r < reps; ++r) results.push_back(workload());
  std::string samples;
  for (double r : results) samples += (samples.empty() ? "" : ",") + std::to_string(r);
  std::sort(results.begin(), results.end());
  std::printf("workload=%s ns_per_op=%.2f samples=%s rss_kib=%ld\n", argv[1], results[results.size() / 2],
              samples.c_str(), peak_rss_kib());
  return 0;
}
