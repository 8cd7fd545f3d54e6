// The futex system call made directly, not through libc's syscall(). INTERNAL:
// shared by detector/ and runtime/, not installed; may change.
//
// Explore mode interposes syscall() so that the futex waits and wakes of
// code concheck does not otherwise see (std::atomic::wait, std::latch,
// std::barrier, std::counting_semaphore, std::future in libstdc++) become
// scheduling points (runtime/src/interpose_futex.cpp). concheck's own futexes
// (internal_lock, the scheduler's turn words) must reach the kernel whoever
// calls them, so they use raw_futex. On x86-64 and AArch64 it is the system
// call instruction itself; elsewhere it falls back to syscall(), which the
// runtime then forwards untouched only outside controlled threads.
// Returns what the kernel returns: >= 0, or -errno (errno is not set).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace concheck::detail {

inline long raw_futex(void* word, int op, int value, const timespec* timeout) noexcept {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = reinterpret_cast<long>(timeout);
  register long r8 __asm__("r8") = 0;
  register long r9 __asm__("r9") = 0;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "0"(static_cast<long>(SYS_futex)), "D"(word), "S"(static_cast<long>(op)),
                     "d"(static_cast<long>(value)), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return result;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = SYS_futex;
  register long x0 __asm__("x0") = reinterpret_cast<long>(word);
  register long x1 __asm__("x1") = op;
  register long x2 __asm__("x2") = value;
  register long x3 __asm__("x3") = reinterpret_cast<long>(timeout);
  register long x4 __asm__("x4") = 0;
  register long x5 __asm__("x5") = 0;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
#else
  const long result = ::syscall(SYS_futex, word, op, value, timeout, nullptr, 0);
  return result < 0 ? -errno : result;
#endif
}

}  // namespace concheck::detail
