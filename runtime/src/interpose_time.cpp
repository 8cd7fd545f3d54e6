// concheck runtime: yields, sleeps and clocks. Outside explore mode they
// forward to libc (one thread-local test). In a controlled thread (explore
// mode, explore_scheduler.hpp) a yield is a scheduling point, a sleep is a
// timed block that only the scheduler's choice to let time pass ends, and
// CLOCK_REALTIME, CLOCK_MONOTONIC (and its RAW, COARSE and BOOTTIME kin)
// read the schedule's virtual clock: nothing really waits, and the deadlines
// a program computes from now() agree with the clock its timed waits use
// (docs/explore.md, "Virtual time").
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "explore_time.hpp"
#include "interpose_common.hpp"

using namespace concheck::detail;
namespace ex = concheck::detail::explore;

namespace concheck::detail::explore {
namespace {

constexpr std::int64_t kNanos = 1000000000;

// The real clocks when the process first explored: virtual time 0.
struct clock_bases {
  std::int64_t realtime = 0;
  std::int64_t monotonic = 0;
};

std::int64_t to_ns(const timespec& t) noexcept {
  return static_cast<std::int64_t>(t.tv_sec) * kNanos + t.tv_nsec;
}

timespec from_ns(std::int64_t ns) noexcept {
  return timespec{static_cast<time_t>(ns / kNanos), static_cast<long>(ns % kNanos)};
}

const clock_bases& bases() noexcept {
  static const clock_bases b = [] {
    clock_bases out;
    timespec now;
    real.clock_gettime(CLOCK_REALTIME, &now);
    out.realtime = to_ns(now);
    real.clock_gettime(CLOCK_MONOTONIC, &now);
    out.monotonic = to_ns(now);
    return out;
  }();
  return b;
}

bool is_realtime(clockid_t clock) noexcept {
  return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI;
}

bool is_virtual(clockid_t clock) noexcept {
  return is_realtime(clock) || clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW ||
         clock == CLOCK_MONOTONIC_COARSE || clock == CLOCK_BOOTTIME;
}

// A sleep: a timed block on an object nobody wakes (the thread's own block).
void sleep_until(std::int64_t deadline, std::uintptr_t pc) noexcept {
  point(point_kind::sleep);
  static const char sleeping = 0;
  block_on(&sleeping, detector::wait_kind::none, 0, true, std::max(deadline, now_ns()), pc);
}

}  // namespace

std::int64_t virtual_deadline(clockid_t clock, const timespec& absolute) noexcept {
  const std::int64_t base = is_realtime(clock) ? bases().realtime : bases().monotonic;
  return to_ns(absolute) - base;
}

}  // namespace concheck::detail::explore

extern "C" {

int sched_yield() {
  if (__builtin_expect(ex::tls_controlled == nullptr || tls_inside != 0, 1)) return real.sched_yield();
  ex::yield_point();
  return 0;
}

int clock_gettime(clockid_t clock, struct timespec* now) {
  if (__builtin_expect(ex::tls_controlled == nullptr || tls_inside != 0, 1) || !ex::is_virtual(clock))
    return real.clock_gettime(clock, now);
  const ex::clock_bases& b = ex::bases();
  *now = ex::from_ns((ex::is_realtime(clock) ? b.realtime : b.monotonic) + ex::now_ns());
  return 0;
}

int nanosleep(const struct timespec* duration, struct timespec* remaining) {
  if (__builtin_expect(ex::tls_controlled == nullptr || tls_inside != 0, 1))
    return real.nanosleep(duration, remaining);
  if (duration == nullptr || duration->tv_nsec < 0 || duration->tv_nsec >= ex::kNanos ||
      duration->tv_sec < 0) {
    errno = EINVAL;
    return -1;
  }
  ex::sleep_until(ex::now_ns() + ex::to_ns(*duration), caller_pc(__builtin_return_address(0)));
  if (remaining != nullptr) *remaining = timespec{0, 0};
  return 0;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec* request, struct timespec* remaining) {
  if (__builtin_expect(ex::tls_controlled == nullptr || tls_inside != 0, 1) || !ex::is_virtual(clock))
    return real.clock_nanosleep(clock, flags, request, remaining);
  if (request == nullptr || request->tv_nsec < 0 || request->tv_nsec >= ex::kNanos) return EINVAL;
  const std::int64_t deadline = (flags & TIMER_ABSTIME) != 0 ? ex::virtual_deadline(clock, *request)
                                                             : ex::now_ns() + ex::to_ns(*request);
  ex::sleep_until(deadline, caller_pc(__builtin_return_address(0)));
  if (remaining != nullptr && (flags & TIMER_ABSTIME) == 0) *remaining = timespec{0, 0};
  return 0;
}

int usleep(useconds_t microseconds) {
  if (__builtin_expect(ex::tls_controlled == nullptr || tls_inside != 0, 1)) return real.usleep(microseconds);
  ex::sleep_until(ex::now_ns() + static_cast<std::int64_t>(microseconds) * 1000,
                  caller_pc(__builtin_return_address(0)));
  return 0;
}

unsigned sleep(unsigned seconds) {
  if (__builtin_expect(ex::tls_controlled == nullptr || tls_inside != 0, 1)) return real.sleep(seconds);
  ex::sleep_until(ex::now_ns() + static_cast<std::int64_t>(seconds) * ex::kNanos,
                  caller_pc(__builtin_return_address(0)));
  return 0;
}

}  // extern "C"
