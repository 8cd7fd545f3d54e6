// concheck runtime, race detection: the __tsan_atomic* hooks (tsan_hooks.hpp).
//
// Each hook performs the atomic operation itself, with the memory order the
// program asked for (a switch picks the constant order; an order the
// operation cannot take - a release load - is made seq_cst, as the compiler
// does), and around it tells the engine (race_runtime.hpp):
//   load    explore point, atomic read, the operation, then the acquire side
//   store   explore point, the release side, atomic write, the operation
//   RMW     explore point, the release side, atomic write, the operation,
//           then the acquire side
// A compare-exchange publishes its release side before it knows whether it
// will succeed: a failed one then orders more than it should, which can hide
// a race (never report a false one). Its acquire side takes the success or
// the failure order, whichever happened.
// 128-bit atomics are made atomic with a striped spin lock, as libtsan does:
// x86-64 has no 16-byte atomic load or store without cmpxchg16b, which the
// default target does not assume.
#include <atomic>

#include "race/race_spin_lock.hpp"
#include "race/tsan_hooks.hpp"

namespace {

using concheck::race::hook_active;

// ThreadSanitizer's order encoding, the same as __ATOMIC_*.
using morder = int;

std::memory_order to_std(morder mo) noexcept {
  switch (mo & 0xffff) {  // gcc may set HLE bits above the order
    case __ATOMIC_RELAXED:
      return std::memory_order_relaxed;
    case __ATOMIC_CONSUME:
      return std::memory_order_consume;
    case __ATOMIC_ACQUIRE:
      return std::memory_order_acquire;
    case __ATOMIC_RELEASE:
      return std::memory_order_release;
    case __ATOMIC_ACQ_REL:
      return std::memory_order_acq_rel;
    default:
      return std::memory_order_seq_cst;
  }
}

// Calls f(std::integral_constant<int, ORDER>) with the order as a constant.
template <class F>
decltype(auto) with_order(morder mo, F&& f) {
  switch (mo & 0xffff) {
    case __ATOMIC_RELAXED:
      return f(std::integral_constant<int, __ATOMIC_RELAXED>{});
    case __ATOMIC_CONSUME:
      return f(std::integral_constant<int, __ATOMIC_CONSUME>{});
    case __ATOMIC_ACQUIRE:
      return f(std::integral_constant<int, __ATOMIC_ACQUIRE>{});
    case __ATOMIC_RELEASE:
      return f(std::integral_constant<int, __ATOMIC_RELEASE>{});
    case __ATOMIC_ACQ_REL:
      return f(std::integral_constant<int, __ATOMIC_ACQ_REL>{});
    default:
      return f(std::integral_constant<int, __ATOMIC_SEQ_CST>{});
  }
}
constexpr int load_order(int mo) {
  return mo == __ATOMIC_RELEASE || mo == __ATOMIC_ACQ_REL ? __ATOMIC_SEQ_CST : mo;
}
constexpr int store_order(int mo) {
  return mo == __ATOMIC_RELAXED || mo == __ATOMIC_RELEASE ? mo : __ATOMIC_SEQ_CST;
}
// A compare-exchange's failure order, derived from the success order as the
// one-order std::atomic::compare_exchange_* does: no release part.
constexpr int failure_order(int mo) {
  return mo == __ATOMIC_RELEASE ? __ATOMIC_RELAXED : mo == __ATOMIC_ACQ_REL ? __ATOMIC_ACQUIRE : mo;
}

// ---- 128-bit: a striped lock makes the plain operation atomic -------------
__extension__ typedef unsigned __int128 u128;  // (-Wpedantic: a GNU type)
__extension__ typedef __int128 i128;
concheck::race::spin_lock g_wide_locks[16];
concheck::race::spin_lock& wide_lock(const volatile void* a) noexcept {
  return g_wide_locks[(reinterpret_cast<std::uintptr_t>(a) >> 4) % 16];
}

template <class T>
T do_load(const volatile T* a, morder mo) noexcept {
  if constexpr (sizeof(T) == 16) {
    concheck::race::spin_guard guard(wide_lock(a));
    return *const_cast<const T*>(a);
  } else {
    return with_order(mo, [&](auto o) { return __atomic_load_n(a, load_order(o)); });
  }
}
template <class T>
void do_store(volatile T* a, T v, morder mo) noexcept {
  if constexpr (sizeof(T) == 16) {
    concheck::race::spin_guard guard(wide_lock(a));
    *const_cast<T*>(a) = v;
  } else {
    with_order(mo, [&](auto o) { __atomic_store_n(a, v, store_order(o)); });
  }
}
enum class rmw_op { exchange, add, sub, bit_and, bit_or, bit_xor, nand };
template <rmw_op Op, class T>
T do_rmw(volatile T* a, T v, morder mo) noexcept {
  if constexpr (sizeof(T) == 16) {
    concheck::race::spin_guard guard(wide_lock(a));
    T* p = const_cast<T*>(a);
    const T old = *p;
    const auto x = static_cast<u128>(old), y = static_cast<u128>(v);  // wraps, as atomics do
    u128 result = y;
    switch (Op) {
      case rmw_op::exchange:
        break;
      case rmw_op::add:
        result = x + y;
        break;
      case rmw_op::sub:
        result = x - y;
        break;
      case rmw_op::bit_and:
        result = x & y;
        break;
      case rmw_op::bit_or:
        result = x | y;
        break;
      case rmw_op::bit_xor:
        result = x ^ y;
        break;
      case rmw_op::nand:
        result = ~(x & y);
        break;
    }
    *p = static_cast<T>(result);
    return old;
  } else {
    return with_order(mo, [&](auto o) -> T {
      constexpr int order = o;
      if constexpr (Op == rmw_op::exchange) return __atomic_exchange_n(a, v, order);
      if constexpr (Op == rmw_op::add) return __atomic_fetch_add(a, v, order);
      if constexpr (Op == rmw_op::sub) return __atomic_fetch_sub(a, v, order);
      if constexpr (Op == rmw_op::bit_and) return __atomic_fetch_and(a, v, order);
      if constexpr (Op == rmw_op::bit_or) return __atomic_fetch_or(a, v, order);
      if constexpr (Op == rmw_op::bit_xor) return __atomic_fetch_xor(a, v, order);
      if constexpr (Op == rmw_op::nand) return __atomic_fetch_nand(a, v, order);
    });
  }
}
// Returns whether it succeeded; *expected gets the value seen.
template <class T>
bool do_cas(volatile T* a, T* expected, T desired, bool weak, morder mo, morder fmo) noexcept {
  if constexpr (sizeof(T) == 16) {
    concheck::race::spin_guard guard(wide_lock(a));
    T* p = const_cast<T*>(a);
    if (*p == *expected) {
      *p = desired;
      return true;
    }
    *expected = *p;
    return false;
  } else {
    (void)fmo;  // the failure order adds nothing to the success order's strength here
    return with_order(mo, [&](auto o) {
      constexpr int order = o;
      return __atomic_compare_exchange_n(a, expected, desired, weak, order, failure_order(order));
    });
  }
}

// ---- The engine's side ----------------------------------------------------

inline void before(const volatile void* a, std::size_t size, bool is_write, std::uintptr_t pc) noexcept {
  const auto at = reinterpret_cast<std::uintptr_t>(a);
  concheck::detail::explore_access(at, true);
  concheck::race::atomic_access(at, size, is_write, pc);
}

template <class T>
T hook_load(const volatile T* a, morder mo, std::uintptr_t pc) noexcept {
  if (!hook_active()) return do_load(a, mo);
  before(a, sizeof(T), false, pc);
  const T value = do_load(a, mo);
  concheck::race::atomic_load_sync(const_cast<const T*>(a), to_std(mo));
  return value;
}
template <class T>
void hook_store(volatile T* a, T v, morder mo, std::uintptr_t pc) noexcept {
  if (!hook_active()) return do_store(a, v, mo);
  before(a, sizeof(T), true, pc);
  concheck::race::atomic_store_sync(const_cast<const T*>(a), to_std(mo));
  do_store(a, v, mo);
}
template <rmw_op Op, class T>
T hook_rmw(volatile T* a, T v, morder mo, std::uintptr_t pc) noexcept {
  if (!hook_active()) return do_rmw<Op>(a, v, mo);
  before(a, sizeof(T), true, pc);
  concheck::race::atomic_rmw_sync(const_cast<const T*>(a), to_std(mo));
  const T old = do_rmw<Op>(a, v, mo);
  concheck::race::atomic_load_sync(const_cast<const T*>(a), to_std(mo));
  return old;
}
template <class T>
bool hook_cas(volatile T* a, T* expected, T desired, bool weak, morder mo, morder fmo,
              std::uintptr_t pc) noexcept {
  if (!hook_active()) return do_cas(a, expected, desired, weak, mo, fmo);
  before(a, sizeof(T), true, pc);
  concheck::race::atomic_rmw_sync(const_cast<const T*>(a), to_std(mo));
  const bool ok = do_cas(a, expected, desired, weak, mo, fmo);
  concheck::race::atomic_load_sync(const_cast<const T*>(a), to_std(ok ? mo : fmo));
  return ok;
}

}  // namespace

#define CONCHECK_TSAN_ATOMIC(N, T)                                                                  \
  T __tsan_atomic##N##_load(const volatile T* a, morder mo) {                                       \
    return hook_load(a, mo, CONCHECK_CALLER_PC());                                                  \
  }                                                                                                 \
  void __tsan_atomic##N##_store(volatile T* a, T v, morder mo) {                                    \
    hook_store(a, v, mo, CONCHECK_CALLER_PC());                                                     \
  }                                                                                                 \
  T __tsan_atomic##N##_exchange(volatile T* a, T v, morder mo) {                                    \
    return hook_rmw<rmw_op::exchange>(a, v, mo, CONCHECK_CALLER_PC());                              \
  }                                                                                                 \
  T __tsan_atomic##N##_fetch_add(volatile T* a, T v, morder mo) {                                   \
    return hook_rmw<rmw_op::add>(a, v, mo, CONCHECK_CALLER_PC());                                   \
  }                                                                                                 \
  T __tsan_atomic##N##_fetch_sub(volatile T* a, T v, morder mo) {                                   \
    return hook_rmw<rmw_op::sub>(a, v, mo, CONCHECK_CALLER_PC());                                   \
  }                                                                                                 \
  T __tsan_atomic##N##_fetch_and(volatile T* a, T v, morder mo) {                                   \
    return hook_rmw<rmw_op::bit_and>(a, v, mo, CONCHECK_CALLER_PC());                               \
  }                                                                                                 \
  T __tsan_atomic##N##_fetch_or(volatile T* a, T v, morder mo) {                                    \
    return hook_rmw<rmw_op::bit_or>(a, v, mo, CONCHECK_CALLER_PC());                                \
  }                                                                                                 \
  T __tsan_atomic##N##_fetch_xor(volatile T* a, T v, morder mo) {                                   \
    return hook_rmw<rmw_op::bit_xor>(a, v, mo, CONCHECK_CALLER_PC());                               \
  }                                                                                                 \
  T __tsan_atomic##N##_fetch_nand(volatile T* a, T v, morder mo) {                                  \
    return hook_rmw<rmw_op::nand>(a, v, mo, CONCHECK_CALLER_PC());                                  \
  }                                                                                                 \
  int __tsan_atomic##N##_compare_exchange_strong(volatile T* a, T* c, T v, morder mo, morder fmo) { \
    return hook_cas(a, c, v, false, mo, fmo, CONCHECK_CALLER_PC());                                 \
  }                                                                                                 \
  int __tsan_atomic##N##_compare_exchange_weak(volatile T* a, T* c, T v, morder mo, morder fmo) {   \
    return hook_cas(a, c, v, true, mo, fmo, CONCHECK_CALLER_PC());                                  \
  }                                                                                                 \
  T __tsan_atomic##N##_compare_exchange_val(volatile T* a, T c, T v, morder mo, morder fmo) {       \
    hook_cas(a, &c, v, false, mo, fmo, CONCHECK_CALLER_PC());                                       \
    return c;                                                                                       \
  }

extern "C" {

// The value types are libtsan's (sanitizer/tsan_interface_atomic.h), so the
// arguments are extended as the instrumented code extends them.
CONCHECK_TSAN_ATOMIC(8, char)
CONCHECK_TSAN_ATOMIC(16, short)
CONCHECK_TSAN_ATOMIC(32, int)
CONCHECK_TSAN_ATOMIC(64, long long)
CONCHECK_TSAN_ATOMIC(128, i128)

void __tsan_atomic_thread_fence(morder mo) {
  if (concheck::race::hook_active()) concheck::race::fence(to_std(mo));
  with_order(mo, [](auto o) { __atomic_thread_fence(o); });
}
void __tsan_atomic_signal_fence(morder mo) {
  with_order(mo, [](auto o) { __atomic_signal_fence(o); });
}

}  // extern "C"
