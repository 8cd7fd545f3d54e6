// Memory-heavy workloads for race detection's benchmark (bench/race/README.md):
// the same source built plain, with concheck's instrumentation (compile
// -fsanitize=thread, link concheck's runtime) and with ThreadSanitizer, so
// race_bench.sh can print each tool's time and peak memory against plain.
//
//   race_workloads WORKLOAD [REPETITIONS]
// prints `workload=W ms=MEDIAN samples=a,b,c rss_kib=PEAK` on stdout. Every
// workload is free of data races and checks its own result (a wrong result is
// an error on stderr and exit status 1).
//
//   locked_arrays  4 threads x 400,000 increments of random slots of a shared
//                  8 MiB array, each under the mutex of its 64-slot stripe
//   pipeline       a producer, two transforming stages and a consumer linked by
//                  bounded queues (mutex + condition variables); 60,000 heap
//                  buffers of 512 bytes travel through and are freed at the end
//   read_mostly    4 threads x 200,000 operations on a std::map of 100,000 keys
//                  under a std::shared_mutex: 99% lookups (shared), 1% updates
//   single_loop    one thread, 8 passes over a 32 MiB array (no sharing at all)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::uint64_t next_random(std::uint64_t& state) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return state >> 33;
}

bool fail(const char* what) {
  std::fprintf(stderr, "race_workloads: wrong result: %s\n", what);
  return false;
}

// ---- locked_arrays ----------------------------------------------------------

bool locked_arrays() {
  constexpr std::size_t kSlots = 1 << 20;  // 8 MiB of longs
  constexpr std::size_t kStripe = 64;
  constexpr int kThreads = 4;
  constexpr int kUpdates = 400'000;
  std::vector<long> slots(kSlots, 0);
  std::vector<std::mutex> stripes(kSlots / kStripe);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&slots, &stripes, t] {
      std::uint64_t state = 12345 + static_cast<std::uint64_t>(t);
      for (int i = 0; i < kUpdates; ++i) {
        const std::size_t slot = next_random(state) % kSlots;
        std::lock_guard<std::mutex> lock(stripes[slot / kStripe]);
        slots[slot] += 1;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  long total = 0;
  for (long value : slots) total += value;
  return total == static_cast<long>(kThreads) * kUpdates || fail("locked_arrays: updates lost");
}

// ---- pipeline ---------------------------------------------------------------

using buffer = std::unique_ptr<std::vector<unsigned char>>;

class bounded_queue {
 public:
  void push(buffer item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [this] { return items_.size() < kCapacity; });
    items_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  buffer pop() {  // nullptr: end of stream
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [this] { return !items_.empty(); });
    buffer item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

 private:
  static constexpr std::size_t kCapacity = 64;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<buffer> items_;
};

constexpr int kItems = 60'000;
constexpr std::size_t kBytes = 512;

bool pipeline() {
  bounded_queue first, second, third;
  std::uint64_t checksum = 0;
  std::thread producer([&first] {
    for (int i = 0; i < kItems; ++i) {
      auto item = std::make_unique<std::vector<unsigned char>>(kBytes);
      for (std::size_t b = 0; b < kBytes; ++b) (*item)[b] = static_cast<unsigned char>(i + b);
      first.push(std::move(item));
    }
    first.push(nullptr);
  });
  auto stage = [](bounded_queue& in, bounded_queue& out, unsigned char add) {
    while (buffer item = in.pop()) {
      for (unsigned char& byte : *item) byte = static_cast<unsigned char>(byte + add);
      out.push(std::move(item));
    }
    out.push(nullptr);
  };
  std::thread stage_one(stage, std::ref(first), std::ref(second), 1);
  std::thread stage_two(stage, std::ref(second), std::ref(third), 2);
  std::thread consumer([&third, &checksum] {
    while (buffer item = third.pop()) {
      for (unsigned char byte : *item) checksum += byte;
    }
  });
  for (std::thread* t : {&producer, &stage_one, &stage_two, &consumer}) t->join();
  std::uint64_t expected = 0;
  for (int i = 0; i < kItems; ++i) {
    for (std::size_t b = 0; b < kBytes; ++b) expected += static_cast<unsigned char>(i + b + 3);
  }
  return checksum == expected || fail("pipeline: checksum");
}

// ---- read_mostly --------------------------------------------------------------

bool read_mostly() {
  constexpr int kKeys = 100'000;
  constexpr int kThreads = 4;
  constexpr int kOperations = 200'000;
  std::map<int, long> table;
  for (int k = 0; k < kKeys; ++k) table.emplace(k, k);
  std::shared_mutex mu;
  std::vector<long> found(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::uint64_t state = 777 + static_cast<std::uint64_t>(t);
      for (int i = 0; i < kOperations; ++i) {
        const int key = static_cast<int>(next_random(state) % (kKeys * 2));
        if (i % 100 == 0) {
          std::unique_lock<std::shared_mutex> lock(mu);
          table[key % kKeys] += 1;
        } else {
          std::shared_lock<std::shared_mutex> lock(mu);
          if (table.find(key) != table.end()) ++found[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  long total = 0;
  for (long f : found) total += f;
  return (total > 0 && table.size() == static_cast<std::size_t>(kKeys)) || fail("read_mostly");
}

// ---- single_loop --------------------------------------------------------------

bool single_loop() {
  constexpr std::size_t kElements = 4 << 20;  // 32 MiB of 8-byte values
  constexpr int kPasses = 8;
  std::vector<std::uint64_t> values(kElements);
  for (std::size_t i = 0; i < kElements; ++i) values[i] = i;
  for (int pass = 0; pass < kPasses; ++pass) {
    for (std::size_t i = 1; i < kElements; ++i) values[i] = values[i] * 3 + (values[i - 1] & 0xff);
  }
  std::uint64_t sum = 0;
  for (std::uint64_t v : values) sum ^= v;
  return sum != 0 || fail("single_loop");
}

struct workload {
  const char* name;
  bool (*run)();
};
constexpr workload kWorkloads[] = {{"locked_arrays", locked_arrays},
                                   {"pipeline", pipeline},
                                   {"read_mostly", read_mostly},
                                   {"single_loop", single_loop}};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s locked_arrays|pipeline|read_mostly|single_loop [REPETITIONS]\n", argv[0]);
    return 2;
  }
  const workload* chosen = nullptr;
  for (const workload& w : kWorkloads) {
    if (std::strcmp(w.name, argv[1]) == 0) chosen = &w;
  }
  const int repetitions = argc == 3 ? std::atoi(argv[2]) : 3;
  if (chosen == nullptr || repetitions < 1) {
    std::fprintf(stderr, "%s: unknown workload '%s' or bad repetitions\n", argv[0], argv[1]);
    return 2;
  }
  std::vector<double> samples;
  for (int r = 0; r < repetitions; ++r) {
    const auto start = std::chrono::steady_clock::now();
    if (!chosen->run()) return 1;
    samples.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::string list;
  for (double s : samples) list += (list.empty() ? "" : ",") + std::to_string(static_cast<long>(s));
  std::printf("workload=%s ms=%.1f samples=%s rss_kib=%ld\n", chosen->name, sorted[sorted.size() / 2],
              list.c_str(), usage.ru_maxrss);
  return 0;
}
