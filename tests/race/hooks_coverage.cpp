// Every kind of access and atomic operation -fsanitize=thread instruments,
// compiled by each compiler the machine has (hook_coverage_test.sh) and linked
// with libconcheck only: the link proves concheck defines every __tsan_* hook
// the compiler calls, the run that each atomic hook performs its operation
// (values checked here) and that one thread's accesses report nothing.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int g_failures = 0;

#define EXPECT(condition)                                               \
  do {                                                                  \
    if (!(condition)) {                                                 \
      std::fprintf(stderr, "hooks_coverage: failed: %s\n", #condition); \
      ++g_failures;                                                     \
    }                                                                   \
  } while (0)

struct base {
  virtual ~base() = default;
  virtual int value() const { return 1; }
};
struct derived : base {
  int value() const override { return 2; }
};

struct __attribute__((packed)) packed {
  char c;
  int i;
  long l;
};

struct big {
  char bytes[100];
};

template <typename T>
void every_operation(std::atomic<T>& a) {
  a.store(T(10));
  EXPECT(a.load() == T(10));
  EXPECT(a.load(std::memory_order_acquire) == T(10));
  a.store(T(11), std::memory_order_release);
  EXPECT(a.exchange(T(12)) == T(11));
  EXPECT(a.fetch_add(T(3)) == T(12));
  EXPECT(a.fetch_sub(T(1), std::memory_order_acq_rel) == T(15));
  EXPECT(a.fetch_and(T(6)) == T(14));
  EXPECT(a.fetch_or(T(1), std::memory_order_relaxed) == T(6));
  EXPECT(a.fetch_xor(T(3)) == T(7));
  T expected = T(4);
  EXPECT(a.compare_exchange_strong(expected, T(9)));
  expected = T(0);
  EXPECT(!a.compare_exchange_strong(expected, T(1)) && expected == T(9));
  expected = T(9);
  while (!a.compare_exchange_weak(expected, T(5), std::memory_order_acq_rel, std::memory_order_acquire)) {
  }
  EXPECT(__atomic_fetch_nand(reinterpret_cast<T*>(&a), T(1), __ATOMIC_SEQ_CST) == T(5));
  EXPECT(a.load() == T(~T(5 & 1)));
}

}  // namespace

__attribute__((noinline)) int accesses(base* object, packed* p, big* to, const big* from, volatile int* v) {
  *to = *from;  // a range (g++) or memcpy (clang++)
  std::memset(to, 0, 50);
  std::memmove(to->bytes + 1, to->bytes, 20);
  p->i = 3;  // unaligned
  p->l = 4;
  *v = 1;
  return object->value() + *v + p->i + static_cast<int>(p->l);
}

int main() {
  std::atomic<char> a8{0};
  std::atomic<short> a16{0};
  std::atomic<int> a32{0};
  std::atomic<long> a64{0};
  every_operation(a8);
  every_operation(a16);
  every_operation(a32);
  every_operation(a64);
#if !defined(__clang__)
  // g++ calls __tsan_atomic128_*; clang++ calls libatomic's __atomic_load
  // and __atomic_store, uninstrumented (the program's own -latomic).
  __extension__ __int128 wide = 0;
  __atomic_store_n(&wide, static_cast<__int128>(1) << 100, __ATOMIC_SEQ_CST);
  EXPECT(__atomic_load_n(&wide, __ATOMIC_SEQ_CST) == static_cast<__int128>(1) << 100);
  EXPECT(__atomic_fetch_add(&wide, 1, __ATOMIC_SEQ_CST) == static_cast<__int128>(1) << 100);
#endif
  std::atomic_thread_fence(std::memory_order_acq_rel);
  std::atomic_signal_fence(std::memory_order_seq_cst);

  derived* object = new derived;
  packed p{};
  big from{}, to{};
  volatile int v = 0;
  EXPECT(accesses(object, &p, &to, &from, &v) == 2 + 1 + 3 + 4);
  delete object;
  if (g_failures == 0) std::printf("hooks_coverage: ok\n");
  return g_failures == 0 ? 0 : 1;
}
