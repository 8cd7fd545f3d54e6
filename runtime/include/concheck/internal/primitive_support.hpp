// concheck primitives: helpers the primitive templates share. INTERNAL: may
// change in any release; include <concheck/concheck.hpp> instead.
//
// - object_name: the optional name every primitive takes (a C string, a
//   std::string or a std::string_view; "no name" is the default).
// - timespec conversion for the pthread timed functions, with the clock each
//   std::chrono clock maps to (steady_clock: CLOCK_MONOTONIC, system_clock:
//   CLOCK_REALTIME, any other clock: converted to steady_clock).
// - throw_system_error: the std::system_error the primitives throw when a
//   pthread call fails in a way the standard lets them report.
#pragma once

#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <string>
#include <string_view>
#include <type_traits>

// Forces a primitive's operation into its caller, so the pthread call that
// concheck intercepts returns into the user's function: the lock's acquisition
// site (kept as that return address, symbolized with its inline frames) then
// names the user's line rather than a line of this header, at no cost.
#define CONCHECK_INLINE_INTO_CALLER __attribute__((always_inline)) inline

namespace concheck {

// The name of a primitive or thread as it appears in reports and dumps. Built
// implicitly from a string literal, a const char*, a std::string or a
// std::string_view; a null pointer or the default means "no name" (reports
// then fall back to the type and the creation site). Copies the characters
// unless given a const char*, whose characters the hooks copy in turn, so a
// temporary string is fine either way.
class object_name {
 public:
  object_name() noexcept = default;
  object_name(const char* name) noexcept : pointer_(name) {}             // NOLINT: implicit on purpose
  object_name(std::string_view name) : storage_(name), owns_(true) {}    // NOLINT
  object_name(const std::string& name) : storage_(name), owns_(true) {}  // NOLINT

  // Null-terminated name, or nullptr when there is none. Valid while *this lives.
  const char* c_str() const noexcept { return owns_ ? storage_.c_str() : pointer_; }
  bool empty() const noexcept {
    const char* text = c_str();
    return text == nullptr || *text == '\0';
  }
  // The name followed by `suffix` (for the internal parts of composite
  // primitives: "jobs" + ".not_empty"), or no name when there is none.
  object_name with_suffix(std::string_view suffix) const {
    if (empty()) return {};
    std::string joined(c_str());
    joined += suffix;
    return object_name(std::string_view(joined));
  }

 private:
  const char* pointer_ = nullptr;
  std::string storage_;
  bool owns_ = false;
};

namespace detail {

// Throws std::system_error(error, generic_category) with `what`. Out of line
// (primitive_errors.cpp) so the templates stay small.
[[noreturn]] void throw_system_error(int error, const char* what);

// A duration as a non-negative timespec (negative durations clamp to zero).
template <class Rep, class Period>
timespec to_timespec(std::chrono::duration<Rep, Period> since_epoch) noexcept {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  if (since_epoch <= since_epoch.zero()) return timespec{0, 0};
  const auto secs = duration_cast<seconds>(since_epoch);
  const auto nanos = duration_cast<nanoseconds>(since_epoch - secs);
  return timespec{static_cast<time_t>(secs.count()), static_cast<long>(nanos.count())};
}

// An absolute deadline in a clock pthreads understands.
struct native_deadline {
  clockid_t clock;
  timespec when;
};

// Maps `deadline` of any clock to a pthread deadline. steady_clock and
// system_clock map directly; another clock is converted through the time left
// now, so callers must re-check Clock::now() after a timeout (the functions
// below do) and loop.
template <class Clock, class Duration>
native_deadline to_native_deadline(const std::chrono::time_point<Clock, Duration>& deadline) noexcept {
  if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>) {
    return {CLOCK_MONOTONIC, to_timespec(deadline.time_since_epoch())};
  } else if constexpr (std::is_same_v<Clock, std::chrono::system_clock>) {
    return {CLOCK_REALTIME, to_timespec(deadline.time_since_epoch())};
  } else {
    const auto left = deadline - Clock::now();
    const auto steady =
        std::chrono::steady_clock::now() + std::chrono::ceil<std::chrono::steady_clock::duration>(left);
    return {CLOCK_MONOTONIC, to_timespec(steady.time_since_epoch())};
  }
}

// Runs a pthread timed operation `attempt(native_deadline)` (returning 0 or an
// errno value) until it succeeds, fails, or `deadline` has passed on Clock
// itself. Returns 0, ETIMEDOUT or the error.
template <class Clock, class Duration, class Attempt>
int until_deadline(const std::chrono::time_point<Clock, Duration>& deadline, Attempt attempt) {
  for (;;) {
    const int result = attempt(to_native_deadline(deadline));
    if (result != ETIMEDOUT) return result;
    if (Clock::now() >= deadline) return ETIMEDOUT;
  }
}

// A relative timeout as a steady_clock deadline, rounded up so a wait never
// ends early, saturating instead of overflowing for huge durations.
template <class Rep, class Period>
std::chrono::steady_clock::time_point deadline_after(const std::chrono::duration<Rep, Period>& timeout) {
  using std::chrono::steady_clock;
  const auto now = steady_clock::now();
  using float_duration = std::chrono::duration<long double, std::nano>;
  const float_duration room = steady_clock::time_point::max() - now;
  if (float_duration(timeout) >= room) return steady_clock::time_point::max();
  return now + std::chrono::ceil<steady_clock::duration>(timeout);
}

}  // namespace detail
}  // namespace concheck
