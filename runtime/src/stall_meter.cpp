// concheck runtime: the stall watch's measure of a thread (contract in
// stall_meter.hpp).
#include "stall_meter.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace concheck::detail::explore {

namespace {

// Appends the decimal digits of `value` at `out`; returns the end.
char* put_decimal(char* out, int value) noexcept {
  char digits[12];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0) *out++ = digits[--n];
  return out;
}

}  // namespace

thread_sample read_thread_sample(int tid, std::uint64_t ns_per_tick) noexcept {
  thread_sample sample;
  if (tid <= 0) return sample;
  char path[64] = "/proc/self/task/";
  char* end = put_decimal(path + 16, tid);
  const char tail[] = "/stat";
  for (char c : tail) *end++ = c;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sample;
  char text[1024];
  const ssize_t got = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (got <= 0) return sample;
  // "tid (comm) S ppid ...": comm may hold spaces and parentheses, so the
  // fields start after the last ')'. State is field 3, utime 14, stime 15.
  const char* p = nullptr;
  for (ssize_t i = got - 1; i >= 0; --i) {
    if (text[i] == ')') {
      p = text + i + 1;
      break;
    }
  }
  const char* const limit = text + got;
  if (p == nullptr || p + 2 >= limit) return sample;
  const char state = p[1];
  p += 2;
  std::uint64_t ticks = 0;
  for (int field = 4; field <= 15; ++field) {
    while (p < limit && *p == ' ') ++p;
    if (p < limit && *p == '-') ++p;  // tpgid is -1 without a terminal
    std::uint64_t value = 0;
    while (p < limit && *p >= '0' && *p <= '9') value = value * 10 + static_cast<std::uint64_t>(*p++ - '0');
    if (p < limit && *p != ' ') return sample;  // a negative or odd field before ours
    if (field >= 14) ticks += value;
  }
  sample.state = state;
  sample.cpu_ns = ticks * ns_per_tick;
  return sample;
}

void stall_meter::restart(std::uint64_t real_ns, thread_sample sample) noexcept {
  last_real_ = real_ns;
  last_ = sample;
  counted_ = 0;
}

std::uint64_t stall_meter::observe(std::uint64_t real_ns, thread_sample sample) noexcept {
  const std::uint64_t real = real_ns > last_real_ ? real_ns - last_real_ : 0;
  const std::uint64_t cpu = sample.cpu_ns > last_.cpu_ns ? sample.cpu_ns - last_.cpu_ns : 0;
  if (sample.state == 0 || last_.state == 0) {
    counted_ += real;
  } else if (sample.state == 'S' && last_.state == 'S') {
    counted_ += real > cpu ? real : cpu;
  } else {
    counted_ += cpu;
  }
  last_real_ = real_ns;
  last_ = sample;
  return counted_;
}

}  // namespace concheck::detail::explore
