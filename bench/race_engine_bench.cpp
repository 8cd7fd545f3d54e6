// The race engine's cost per access (not part of `bench`; run by hand):
//   build/bench/concheck_bench_race_engine
// One thread sweeps an array of 64 K 8-byte words (or argv[1]), 4 M accesses
// in all, eight ways:
// plain stores; engine write() calls on the fast path (every granule already
// holds the thread's current epoch); with a new epoch per pass (a release
// before it) on granules only this thread used (the lock-free exclusive
// path) and on granules another thread used first, before a hand-off (the
// lock-free ordered path);
// and reads the same three ways, plus reads of granules that main and a
// third, unsynchronized thread both read (a read set: the locked slow
// path), and a byte loop reading then writing each byte of shared granules
// in a new epoch per pass (a pipeline stage). Prints ns per access and the ratio
// against the plain loop of the same run. The engine calls cost a function
// call each; instrumented code pays that too (__tsan_write8 -> write).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"

namespace {

using concheck::race::read;
using concheck::race::release;
using concheck::race::write;

std::size_t kWords = std::size_t{1} << 16;
int kPasses = 64;

template <typename Pass>
double ns_per_access(Pass&& pass) {
  pass(-1);  // warm: caches, shadow pages
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kPasses; ++i) pass(i);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / (double(kPasses) * kWords);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) kWords = std::strtoull(argv[1], nullptr, 10);  // words per pass
  kPasses = static_cast<int>(std::max<std::size_t>(1, (std::size_t{1} << 22) / kWords));
  concheck::race::enable();
  std::vector<std::uint64_t> data(kWords);
  std::uint64_t* words = data.data();
  const auto base = reinterpret_cast<std::uintptr_t>(words);
  const std::uintptr_t pc = 0x1234;
  char sync = 0;

  const double plain = ns_per_access([&](int pass) {
    for (std::size_t i = 0; i < kWords; ++i) words[i] = i + pass;
    asm volatile("" : : "r"(words) : "memory");
  });
  auto writes = [&](bool new_epoch) {
    return ns_per_access([&](int pass) {
      if (new_epoch) release(&sync);
      for (std::size_t i = 0; i < kWords; ++i) {
        write(base + i * 8, 8, pc);
        words[i] = i + pass;
      }
      asm volatile("" : : "r"(words) : "memory");
    });
  };
  auto reads = [&](bool new_epoch) {
    return ns_per_access([&](int) {
      if (new_epoch) release(&sync);
      std::uint64_t sum = 0;
      for (std::size_t i = 0; i < kWords; ++i) {
        read(base + i * 8, 8, pc);
        sum += words[i];
      }
      asm volatile("" : : "r"(sum) : "memory");
    });
  };
  const double write_fast = writes(false);
  const double write_exclusive = writes(true);
  const double read_fast = reads(false);
  const double read_exclusive = reads(true);
  // Another thread writes every word first (then hands off): the granules
  // are shared, and a new epoch's first access takes the ordered path.
  std::thread other([&] {
    for (std::size_t i = 0; i < kWords; ++i) write(base + i * 8, 8, pc);
    release(&sync);
  });
  other.join();
  concheck::race::acquire(&sync);
  const double write_shared = writes(true);
  const double read_shared = reads(true);
  // A byte loop over shared granules, each byte read then written (a stage
  // of a pipeline transforming a buffer handed to it): the first access per
  // granule and epoch takes the ordered path, the other bytes extend the
  // masks of this thread's own epoch in W and R.
  const double bytes_shared = ns_per_access([&](int pass) {
                                release(&sync);
                                auto* bytes = reinterpret_cast<unsigned char*>(words);
                                for (std::size_t i = 0; i < kWords * 8; ++i) {
                                  read(base + i, 1, pc);
                                  write(base + i, 1, pc);
                                  bytes[i] = static_cast<unsigned char>(bytes[i] + pass);
                                }
                                asm volatile("" : : "r"(words) : "memory");
                              }) /
                              8;
  // A third thread reads every word and stays alive without synchronizing:
  // main's next read of each word is concurrent with it (a read set of the
  // two), and each later pass's first read updates it on the slow path.
  std::atomic<int> stage{0};  // plain std::atomic: the engine sees no edge
  std::thread reader([&] {
    for (std::size_t i = 0; i < kWords; ++i) read(base + i * 8, 8, pc);
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
  const double read_set_refresh = reads(true);
  stage.store(2);
  reader.join();

  std::printf("race engine, one thread, %zu words x %d passes\n", kWords, kPasses);
  std::printf("  plain store                  %6.2f ns/access\n", plain);
  std::printf("  write, same epoch            %6.2f ns/access  (%5.1fx plain)\n", write_fast,
              write_fast / plain);
  std::printf("  write, new epoch, exclusive  %6.2f ns/access  (%5.1fx plain)\n", write_exclusive,
              write_exclusive / plain);
  std::printf("  write, new epoch, shared     %6.2f ns/access  (%5.1fx plain)\n", write_shared,
              write_shared / plain);
  std::printf("  read,  same epoch            %6.2f ns/access  (%5.1fx plain)\n", read_fast,
              read_fast / plain);
  std::printf("  read,  new epoch, exclusive  %6.2f ns/access  (%5.1fx plain)\n", read_exclusive,
              read_exclusive / plain);
  std::printf("  read,  new epoch, shared     %6.2f ns/access  (%5.1fx plain)\n", read_shared,
              read_shared / plain);
  std::printf("  byte read+write, new epoch    %6.2f ns/byte    (%5.1fx plain word)\n", bytes_shared,
              bytes_shared / plain);
  std::printf("  read,  new epoch, read set   %6.2f ns/access  (%5.1fx plain)\n", read_set_refresh,
              read_set_refresh / plain);
  std::printf("  read sets in use %llu\n",
              static_cast<unsigned long long>(concheck::race::get_engine_stats().read_sets));
  const auto stats = concheck::race::get_engine_stats();
  std::printf("  shadow chunks mapped %llu (%llu KiB for %zu KiB of data)\n",
              static_cast<unsigned long long>(stats.shadow_chunks),
              static_cast<unsigned long long>(stats.shadow_chunks * sizeof(concheck::race::shadow_cell) *
                                              concheck::race::kCellsPerChunk / 1024),
              kWords * 8 / 1024);
  return 0;
}
