// concheck runtime: syscall(), for the futexes of code concheck does not
// otherwise see. libstdc++'s std::atomic::wait/notify, std::latch,
// std::barrier, std::counting_semaphore (bits/atomic_wait.h,
// atomic_timed_wait.h), its std::future (atomic_futex.cc) and its static
// initialization guards call syscall(SYS_futex, ...) directly.
//
// Outside a controlled thread (and for every other system call, and every
// other futex operation) the call goes to libc's syscall() with the same
// six argument words: libc's syscall() passes six words to the kernel
// whatever the caller supplied, so forwarding six is exact. In a controlled
// thread (explore mode, explore_scheduler.hpp):
// - FUTEX_WAIT and FUTEX_WAIT_BITSET (private or shared, with or without a
//   timeout) return EAGAIN if the word no longer holds the expected value;
//   otherwise the thread blocks in the scheduler until a wake on that
//   address (then 0: the caller re-checks, as after any futex wake) or, with
//   a timeout, until the scheduler chooses to let virtual time reach it
//   (ETIMEDOUT). FUTEX_WAIT's timeout is relative, FUTEX_WAIT_BITSET's is
//   absolute on CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME.
// - FUTEX_WAKE and FUTEX_WAKE_BITSET wake up to `count` threads blocked on
//   the address (the earliest first; a bitset is not matched, which can only
//   add wakeups a futex caller must tolerate anyway), also wake threads
//   outside the schedule waiting in the kernel, and are a scheduling point.
// A controlled thread blocked on a futex nobody will wake is part of a
// `deadlock`, not a stall.
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cstdarg>
#include <cstdint>

#include "explore_time.hpp"
#include "interpose_common.hpp"

using namespace concheck::detail;
namespace ex = concheck::detail::explore;

namespace {

std::int64_t to_ns(const timespec& t) noexcept {
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// A futex wait in a controlled thread (see above); returns as syscall() does.
long explore_futex_wait(const std::uint32_t* word, int command, int op, std::uint32_t expected,
                        const timespec* timeout, std::uintptr_t pc) noexcept {
  ex::point(ex::point_kind::futex);
  if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != expected) {
    errno = EAGAIN;
    return -1;
  }
  const bool timed = timeout != nullptr;
  std::int64_t deadline = 0;
  if (timed) {
    deadline = command == FUTEX_WAIT
                   ? ex::now_ns() + to_ns(*timeout)
                   : ex::virtual_deadline((op & FUTEX_CLOCK_REALTIME) != 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC,
                                          *timeout);
  }
  if (ex::block_on(word, concheck::detector::wait_kind::futex, reinterpret_cast<std::uint64_t>(word), timed,
                   deadline, pc)) {
    errno = ETIMEDOUT;
    return -1;
  }
  return 0;
}

long explore_futex_wake(const std::uint32_t* word, int op, int count, long real_woken) noexcept {
  long woken = real_woken > 0 ? real_woken : 0;
  if (count == INT_MAX) {
    woken += ex::wake_all(word);
  } else {
    for (int i = 0; i < count && ex::wake_one(word) != 0; ++i) ++woken;
  }
  (void)op;
  ex::point(ex::point_kind::futex);
  return woken;
}

}  // namespace

// Not instrumented by AddressSanitizer: the six words are read whatever the
// caller passed, so a call with fewer arguments reads the rest from the
// caller's frame (valid stack, harmless, what libc's assembly syscall() does
// too), where ASan's redzones would report a stack-buffer-underflow.
extern "C" [[gnu::no_sanitize_address]] long syscall(long number, ...) {
  va_list list;
  va_start(list, number);
  long a[6];
  for (long& word : a) word = va_arg(list, long);
  va_end(list);
  const auto forward = [&] { return real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]); };
  if (__builtin_expect(number != SYS_futex || ex::tls_controlled == nullptr || tls_inside != 0, 1))
    return forward();
  const auto* word = reinterpret_cast<const std::uint32_t*>(a[0]);
  const int op = static_cast<int>(a[1]);
  const int command = op & FUTEX_CMD_MASK;
  switch (command) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
      return explore_futex_wait(word, command, op, static_cast<std::uint32_t>(a[2]),
                                reinterpret_cast<const timespec*>(a[3]),
                                caller_pc(__builtin_return_address(0)));
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      // Threads outside the schedule may wait on it in the kernel.
      const long real_woken = forward();
      return explore_futex_wake(word, op, static_cast<int>(a[2]), real_woken);
    }
    default:
      return forward();
  }
}
