// The time a supervised child is charged for; see child_time.hpp.
#include "child_time.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace concheck::analyzer {
namespace {

// The text of a /proc stat file after the command's closing parenthesis
// (the command may hold spaces and parentheses), in `buffer`; nullptr if
// unreadable.
const char* stat_fields(const char* path, char* buffer, std::size_t size) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  ssize_t n = ::read(fd, buffer, size - 1);
  ::close(fd);
  if (n <= 0) return nullptr;
  buffer[n] = '\0';
  const char* close = std::strrchr(buffer, ')');
  return close != nullptr && close[1] == ' ' ? close + 2 : nullptr;
}

// Whether every thread of `pid` is asleep (state S); false when unknown.
bool all_threads_asleep(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return false;
  bool asleep = true;
  bool any = false;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    char task[320];
    std::snprintf(task, sizeof task, "/proc/%d/task/%s/stat", static_cast<int>(pid), entry->d_name);
    char buffer[512];
    const char* fields = stat_fields(task, buffer, sizeof buffer);
    if (fields == nullptr) continue;  // the thread ended meanwhile
    any = true;
    if (fields[0] != 'S') {
      asleep = false;
      break;
    }
  }
  ::closedir(dir);
  return any && asleep;
}

}  // namespace

child_sample sample_child(pid_t pid, double wall_seconds) {
  child_sample sample;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  char buffer[1024];
  const char* fields = stat_fields(path, buffer, sizeof buffer);
  if (fields == nullptr) return sample;
  // Fields 3.. of proc(5): state, ppid, pgrp, session, tty_nr, tpgid, flags,
  // minflt, cminflt, majflt, cmajflt, utime, stime (clock ticks).
  char state = 0;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  if (std::sscanf(fields, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &utime, &stime) !=
      3) {
    return sample;
  }
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  sample.valid = true;
  sample.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  sample.wall_seconds = wall_seconds;
  sample.asleep = state == 'S' && all_threads_asleep(pid);
  return sample;
}

double charged_seconds(const child_sample& before, const child_sample& after) {
  if (!before.valid || !after.valid) return 0;
  if (before.asleep && after.asleep) return after.wall_seconds - before.wall_seconds;
  double cpu = after.cpu_seconds - before.cpu_seconds;
  return cpu > 0 ? cpu : 0;
}

}  // namespace concheck::analyzer
