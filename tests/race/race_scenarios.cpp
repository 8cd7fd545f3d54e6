// Programs for the race-detection integration tests (race_integration_test.cpp):
// compiled with -fsanitize=thread (compile only) and linked with concheck's
// runtime, run one scenario per process: `race_scenarios <name>`.
//
// Each scenario pins the real-time order of its threads with a pipe "gate"
// (write()/read() are not synchronization concheck sees, so the order they
// force adds no happens-before edge): a racy pair is then a fact of the
// happens-before relation, not of timing, and a clean pair is clean because
// of the synchronization under test alone.
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "concheck/blocking_queue.hpp"
#include "concheck/event.hpp"
#include "concheck/explore.hpp"
#include "concheck/latch.hpp"

namespace {

// Real-time order without happens-before.
class gate {
 public:
  gate() {
    if (pipe(fds_) != 0) std::abort();
  }
  ~gate() {
    close(fds_[0]);
    close(fds_[1]);
  }
  void open() {
    const char byte = 1;
    if (::write(fds_[1], &byte, 1) != 1) std::abort();
  }
  void pass() {
    char byte;
    if (::read(fds_[0], &byte, 1) != 1) std::abort();
  }

 private:
  int fds_[2];
};

// Uses a value, so a read whose result is otherwise unused (a pure function's
// call included) is not optimized away.
template <typename T>
void keep(const T& value) {
  asm volatile("" : : "g"(value) : "memory");
}

// Runs a then b on two threads, b starting after a is done (by the gate only).
void one_after_other(const std::function<void()>& a, const std::function<void()>& b) {
  gate g;
  std::thread first([&] {
    a();
    g.open();
  });
  std::thread second([&] {
    g.pass();
    b();
  });
  first.join();
  second.join();
}

int g_counter = 0;
std::mutex g_counter_lock;
std::mutex g_other_lock;

__attribute__((noinline)) void increment_under(std::mutex& m) {
  std::lock_guard guard(m);
  ++g_counter;
}

void mutex_ok() {
  one_after_other([] { increment_under(g_counter_lock); }, [] { increment_under(g_counter_lock); });
}

void mutex_race() {
  one_after_other([] { increment_under(g_counter_lock); }, [] { increment_under(g_other_lock); });
}

// Each in a granule of its own: the summary is per 8-byte granule.
alignas(16) long g_in_mutex = 0;
alignas(16) long g_after_mutex = 0;
alignas(16) long g_in_spin = 0;
alignas(16) long g_after_spin = 0;
alignas(16) long g_in_rwlock = 0;
alignas(16) long g_after_rwlock = 0;
std::mutex g_unlock_mutex;
pthread_spinlock_t g_unlock_spin;
pthread_rwlock_t g_unlock_rwlock = PTHREAD_RWLOCK_INITIALIZER;

// An unlock publishes the thread's clock before the real unlock and drops the
// lock from the thread's lockset after it (runtime/src/race/race_sync.hpp).
// What a thread writes under each lock is "locked" by it; what it writes
// right after the unlock is not covered by the lock's clock (the gate orders
// nothing for race detection) and is recorded holding no lock: each of those
// races, once.
__attribute__((noinline)) void write_in_and_after_each_lock() {
  {
    std::lock_guard guard(g_unlock_mutex);
    ++g_in_mutex;
  }
  ++g_after_mutex;
  pthread_spin_lock(&g_unlock_spin);
  ++g_in_spin;
  pthread_spin_unlock(&g_unlock_spin);
  ++g_after_spin;
  pthread_rwlock_wrlock(&g_unlock_rwlock);
  ++g_in_rwlock;
  pthread_rwlock_unlock(&g_unlock_rwlock);
  ++g_after_rwlock;
}

void unlock_lockset() {
  pthread_spin_init(&g_unlock_spin, PTHREAD_PROCESS_PRIVATE);
  one_after_other(write_in_and_after_each_lock, write_in_and_after_each_lock);
  pthread_spin_destroy(&g_unlock_spin);
}

long g_table = 0;
std::shared_mutex g_table_lock;

__attribute__((noinline)) long read_table() {
  std::shared_lock guard(g_table_lock);
  return g_table;
}
__attribute__((noinline)) void write_table_exclusive(long value) {
  std::unique_lock guard(g_table_lock);
  g_table = value;
}
__attribute__((noinline)) void write_table_shared(long value) {
  std::shared_lock guard(g_table_lock);  // the bug: a write under a read lock
  g_table = value;
}

void rwlock_ok() {
  write_table_exclusive(1);
  one_after_other([] { write_table_exclusive(read_table() + 1); }, [] { keep(read_table()); });
  one_after_other([] { keep(read_table()); }, [] { write_table_exclusive(3); });
}

void rwlock_reader_writes() {
  one_after_other([] { write_table_shared(1); }, [] { write_table_shared(2); });
}

int g_data = 0;

__attribute__((noinline)) void produce(int value) {
  g_data = value;
}
__attribute__((noinline)) int consume() {
  return g_data;
}

void condition_variable_ok() {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  std::thread consumer([&] {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return ready; });
    lock.unlock();
    keep(consume());
  });
  produce(7);
  {
    std::lock_guard lock(m);
    ready = true;
  }
  cv.notify_one();
  consumer.join();
}

void semaphore_ok() {
  sem_t sem;
  sem_init(&sem, 0, 0);
  one_after_other(
      [&] {
        produce(1);
        sem_post(&sem);
      },
      [&] {
        sem_wait(&sem);
        keep(consume());
      });
  sem_destroy(&sem);
}

void semaphore_missing() {
  one_after_other([] { produce(1); }, [] { keep(consume()); });
}

void barrier_ok() {
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, nullptr, 2);
  std::thread other([&] {
    produce(5);
    pthread_barrier_wait(&barrier);
  });
  pthread_barrier_wait(&barrier);
  keep(consume());
  other.join();
  pthread_barrier_destroy(&barrier);
}

void create_join_ok() {
  produce(1);
  std::thread t([] { produce(consume() + 1); });
  t.join();
  produce(consume() + 1);
}

// A detached thread hands its result over through a semaphore: ordered.
void detach_ok() {
  sem_t done;
  sem_init(&done, 0, 0);
  std::thread([&done] {
    produce(7);
    sem_post(&done);
  }).detach();
  sem_wait(&done);
  keep(consume());
  sem_destroy(&done);
}

// A detached thread's write, read by main with nothing ordering them.
void detach_race() {
  gate g;
  std::thread([&g] {
    produce(8);
    g.open();
  }).detach();
  g.pass();
  keep(consume());
}

// concheck's latch, event and blocking_queue, and the standard std::latch
// (header code, its atomics instrumented), each ordering a hand-off.
void concheck_latch_ok() {
  concheck::latch ready(1, "ready");
  std::thread producer([&] {
    produce(1);
    ready.count_down();
  });
  ready.wait();
  keep(consume());
  producer.join();
}

void std_latch_ok() {
  std::latch ready(1);
  std::thread producer([&] {
    produce(2);
    ready.count_down();
  });
  ready.wait();
  keep(consume());
  producer.join();
}

void event_ok() {
  concheck::event published("published");
  std::thread producer([&] {
    produce(3);
    published.set();
  });
  published.wait();
  keep(consume());
  producer.join();
}

void queue_ok() {
  concheck::blocking_queue<int*> queue(1, "handoff");
  std::thread producer([&] {
    auto* item = new int(4);  // written by the producer, read by the consumer
    queue.put(item);
  });
  int* item = queue.get();
  keep(*item);
  delete item;
  producer.join();
}

int g_payload = 0;
std::atomic<int> g_flag{0};

void atomic_handoff(std::memory_order store_order, std::memory_order load_order) {
  one_after_other(
      [&] {
        g_payload = 42;
        g_flag.store(1, store_order);
      },
      [&] {
        while (g_flag.load(load_order) != 1) {
        }
        std::printf("payload %d\n", g_payload);
      });
}

void fence_ok() {
  one_after_other(
      [] {
        g_payload = 42;
        std::atomic_thread_fence(std::memory_order_release);
        g_flag.store(1, std::memory_order_relaxed);
      },
      [] {
        while (g_flag.load(std::memory_order_relaxed) != 1) {
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        std::printf("payload %d\n", g_payload);
      });
}

// A block freed by one thread and reused by another, with no happens-before
// between them (the allocator's own locking is not instrumented): the second
// owner's writes must not race with the first's. mmap-sized blocks come back
// at the same address once unmapped.
// A block one thread wrote and freed, taken by another unordered thread:
// the free reset its shadow, so the second thread's writes do not race with
// the first's. glibc is made to hand the memory back (one arena for every
// thread, a size above the per-thread caches and below mmap). The second
// block is half the size and need only lie inside the first: a small
// allocation between the free and the second malloc (another thread's, a
// thread ending) can take the freed chunk's first bytes, and an equal-sized
// block then comes from elsewhere: with equal blocks, no round reused it
// once in 450 runs at load 5 (the test's flake); the rest of the chunk
// still holds half.
void heap_reuse_ok() {
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  constexpr std::size_t kSize = 64 << 10;
  int reused = 0;
  for (int round = 0; round < 8 && reused == 0; ++round) {
    char* first_address = nullptr;
    char* second_address = nullptr;
    one_after_other(
        [&] {
          auto* block = static_cast<char*>(std::malloc(kSize));
          std::memset(block, 1, kSize);
          block[100] = 2;
          first_address = block;
          std::free(block);
        },
        [&] {
          auto* block = static_cast<char*>(std::malloc(kSize / 2));
          block[100] = 3;
          second_address = block;
          std::free(block);
        });
    // Its byte 100 lies in what the first thread wrote.
    const auto first = reinterpret_cast<std::uintptr_t>(first_address);
    const auto second = reinterpret_cast<std::uintptr_t>(second_address);
    reused = second >= first && second + 100 < first + kSize ? 1 : 0;
  }
  std::printf("reused %d\n", reused);
}

char g_buffer[64];

// A size the compiler cannot see: the memset stays a call of the C library's
// function (which concheck interposes), as in most real code; a constant one
// is expanded inline, uninstrumented, by g++.
volatile std::size_t g_buffer_size = sizeof g_buffer;

__attribute__((noinline)) void fill_buffer(char value) {
  std::memset(g_buffer, value, g_buffer_size);
}
__attribute__((noinline)) void copy_into_buffer(const char* from) {
  std::memcpy(g_buffer, from, sizeof g_buffer);
}

void memcpy_race() {
  one_after_other([] { fill_buffer('a'); },
                  [] {
                    char local[64] = {};
                    copy_into_buffer(local);
                  });
}

void memcpy_locked_ok() {
  one_after_other(
      [] {
        std::lock_guard guard(g_counter_lock);
        fill_buffer('a');
      },
      [] {
        char local[64] = {};
        std::lock_guard guard(g_counter_lock);
        copy_into_buffer(local);
      });
}

struct stats {
  long requests = 0;
  long errors = 0;
};

__attribute__((noinline)) void count_request(stats* s) {
  ++s->requests;
}

void heap_race() {
  stats* shared = new stats;  // HEAP-ALLOCATION
  one_after_other([shared] { count_request(shared); }, [shared] { count_request(shared); });
  delete shared;
}

std::map<int, int>* g_config = nullptr;
std::once_flag g_config_once;

const std::map<int, int>& config() {
  std::call_once(g_config_once, [] { g_config = new std::map<int, int>{{1, 2}}; });
  return *g_config;
}

const std::string& greeting() {
  static const std::string text = "hello";
  return text;
}

void once_ok() {
  one_after_other([] { keep(config().at(1)); }, [] { keep(config().at(1)); });
  one_after_other([] { keep(greeting().size()); }, [] { keep(greeting().size()); });
}

// access_summary=1: one variable of each class.
thread_local long t_scratch = 0;  // per-thread: not a global of the summary
long g_only_main = 0;             // thread-local: only main touches it
long g_under_lock = 0;            // locked: every shared access holds g_counter_lock
std::atomic<long> g_atomic{0};    // synchronized: atomics only
long g_racy = 0;                  // racy

void summary() {
  g_only_main = 1;
  // Each thread: its own scratch, the locked counter, the atomic outside the
  // lock, and g_racy after the unlock (the other thread's lock acquires only
  // what came before it).
  one_after_other(
      [] {
        t_scratch = 1;
        {
          std::lock_guard guard(g_counter_lock);
          ++g_under_lock;
        }
        g_atomic.fetch_add(1);
        ++g_racy;
      },
      [] {
        t_scratch = 2;
        {
          std::lock_guard guard(g_counter_lock);
          ++g_under_lock;
        }
        g_atomic.fetch_add(1);
        ++g_racy;
      });
  g_only_main += 1;
}

// Explore mode: a check-then-act on an atomic balance, with no lock and no
// other scheduling point than the atomics themselves. Only an interleaving
// with both loads before either subtraction overdraws it.
void explore_check_then_act() {
  concheck::explore_options options;
  options.strategy = concheck::explore_strategy::dfs;
  options.preemption_bound = 2;
  options.schedules = 200;
  std::atomic<int> balance{0};
  options.check = [&] {
    return balance.load() < 0 ? "overdrawn: " + std::to_string(balance.load()) : std::string();
  };
  const auto result = concheck::explore(options, [&] {
    balance.store(100);
    auto withdraw = [&] {
      if (balance.load() >= 80) balance.fetch_sub(80);
    };
    std::thread a(withdraw);
    std::thread b(withdraw);
    a.join();
    b.join();
  });
  if (result.failure) {
    std::printf("failure kind=%s reproduced=%d schedule=%llu token=%s\n", result.failure->kind.c_str(),
                result.failure->reproduced ? 1 : 0, static_cast<unsigned long long>(result.failure->schedule),
                result.failure->token.c_str());
    if (std::getenv("RACE_SCENARIO_REPORT") != nullptr)
      std::printf("%s\n%s\n", result.failure->report.c_str(), result.failure->divergence.c_str());
  } else {
    std::printf("no failure schedules=%llu\n", static_cast<unsigned long long>(result.schedules));
  }
}

// Explore mode: a consumer spins on an atomic flag (no yield, no lock) until
// the producer publishes its payload with release: correct. The spin's loads
// are scheduling points; a thread that keeps polling with nobody else
// running yields, so every strategy ends every schedule.
void explore_spin() {
  for (const auto strategy : {concheck::explore_strategy::random, concheck::explore_strategy::pct,
                              concheck::explore_strategy::dfs, concheck::explore_strategy::delay}) {
    concheck::explore_options options;
    options.strategy = strategy;
    options.schedules = 30;
    options.step_bound = 5000;
    const auto result = concheck::explore(options, [] {
      std::atomic<bool> ready{false};
      int payload = 0;
      std::thread consumer([&] {
        while (!ready.load(std::memory_order_acquire)) {
        }
        keep(payload);
      });
      std::thread producer([&] {
        payload = 1;
        ready.store(true, std::memory_order_release);
      });
      consumer.join();
      producer.join();
    });
    std::printf("strategy %d: %s\n", static_cast<int>(strategy),
                result.failure ? result.failure->message.c_str() : "no failure");
  }
}

// Explore mode: a consumer spins on an atomic flag nobody sets (no yield, no
// lock): a livelock. Each load polls the same atomic with no other thread
// running, so every one is a step without progress; the schedule fails as
// step-bound-exceeded, and its token run again fails the same way.
void explore_spin_forever() {
  const auto body = [] {
    std::atomic<bool> never{false};
    std::thread consumer([&] {
      while (!never.load(std::memory_order_acquire)) {
      }
    });
    consumer.join();
  };
  concheck::explore_options options;
  options.strategy = concheck::explore_strategy::pct;
  options.schedules = 5;
  options.step_bound = 2000;
  const auto result = concheck::explore(options, body);
  if (!result.failure) {
    std::printf("no failure\n");
    return;
  }
  std::printf("failure kind=%s reproduced=%d\n", result.failure->kind.c_str(),
              result.failure->reproduced ? 1 : 0);
  concheck::explore_options replay = options;
  replay.replay = result.failure->token;
  const auto again = concheck::explore(replay, body);
  std::printf("replay kind=%s\n", again.failure ? again.failure->kind.c_str() : "none");
}

// Explore mode: a plain counter incremented by two threads fails the schedule
// as a data race, and the replay reports it again.
void explore_race() {
  concheck::explore_options options;
  options.strategy = concheck::explore_strategy::random;
  options.schedules = 20;
  const auto result = concheck::explore(options, [] {
    int counter = 0;
    std::thread a([&] { ++counter; });
    std::thread b([&] { ++counter; });
    a.join();
    b.join();
  });
  if (result.failure) {
    std::printf("failure kind=%s reproduced=%d schedule=%llu\n", result.failure->kind.c_str(),
                result.failure->reproduced ? 1 : 0,
                static_cast<unsigned long long>(result.failure->schedule));
  } else {
    std::printf("no failure schedules=%llu\n", static_cast<unsigned long long>(result.schedules));
  }
}

// Explore mode: one thread writes a plain int, another only reads it. Only
// the reader's plain read can take part in the race, so it is found only if
// a read in a controlled thread reaches the engine (the read hooks send such
// a read to its scheduling point and the engine's full path).
void explore_read_race() {
  concheck::explore_options options;
  options.strategy = concheck::explore_strategy::random;
  options.schedules = 20;
  const auto result = concheck::explore(options, [] {
    int value = 0;
    std::thread writer([&] { value = 1; });
    std::thread reader([&] {
      const int seen = value;
      asm volatile("" : : "r"(seen));
    });
    writer.join();
    reader.join();
  });
  if (result.failure) {
    std::printf("failure kind=%s reproduced=%d\n", result.failure->kind.c_str(),
                result.failure->reproduced ? 1 : 0);
  } else {
    std::printf("no failure schedules=%llu\n", static_cast<unsigned long long>(result.schedules));
  }
}

}  // namespace

// race_plain_part.cpp, not instrumented.
void plain_locked_increment(std::mutex& m, long* value);

namespace {

long g_mixed = 0;

// Instrumented and plain code on one variable under one lock: clean, and the
// plain part's accesses (invisible) do not confuse the instrumented ones.
void mixed_ok() {
  one_after_other([] { plain_locked_increment(g_counter_lock, &g_mixed); },
                  [] {
                    std::lock_guard guard(g_counter_lock);
                    ++g_mixed;
                  });
  one_after_other(
      [] {
        std::lock_guard guard(g_counter_lock);
        ++g_mixed;
      },
      [] { plain_locked_increment(g_counter_lock, &g_mixed); });
  std::printf("mixed %ld\n", g_mixed);
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<void()>> scenarios = {
      {"mutex-ok", mutex_ok},
      {"mutex-race", mutex_race},
      {"unlock-lockset", unlock_lockset},
      {"rwlock-ok", rwlock_ok},
      {"rwlock-reader-writes", rwlock_reader_writes},
      {"condition-variable-ok", condition_variable_ok},
      {"semaphore-ok", semaphore_ok},
      {"semaphore-missing", semaphore_missing},
      {"barrier-ok", barrier_ok},
      {"create-join-ok", create_join_ok},
      {"detach-ok", detach_ok},
      {"detach-race", detach_race},
      {"concheck-latch-ok", concheck_latch_ok},
      {"std-latch-ok", std_latch_ok},
      {"event-ok", event_ok},
      {"queue-ok", queue_ok},
      {"release-acquire-ok", [] { atomic_handoff(std::memory_order_release, std::memory_order_acquire); }},
      {"relaxed-race", [] { atomic_handoff(std::memory_order_relaxed, std::memory_order_relaxed); }},
      {"fence-ok", fence_ok},
      {"heap-reuse-ok", heap_reuse_ok},
      {"memcpy-race", memcpy_race},
      {"memcpy-locked-ok", memcpy_locked_ok},
      {"heap-race", heap_race},
      {"once-ok", once_ok},
      {"summary", summary},
      {"explore-check-then-act", explore_check_then_act},
      {"explore-race", explore_race},
      {"explore-read-race", explore_read_race},
      {"explore-spin", explore_spin},
      {"explore-spin-forever", explore_spin_forever},
      {"mixed-ok", mixed_ok},
  };
  if (argc != 2 || scenarios.count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: race_scenarios <scenario>\n");
    return 2;
  }
  scenarios.at(argv[1])();
  return 0;
}
