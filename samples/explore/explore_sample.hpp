// The driver every explore-mode sample shares, so that each sample's file is
// its lesson: explores `body` with the default strategy (concheck's
// explore_options defaults, then CONCHECK_OPTIONS's explore_* keys and
// CONCHECK_REPLAY from the environment), prints a one-line verdict on stdout
// and returns the program's exit status:
//   0  "<program>: all N schedules passed"
//   1  "<program>: found <kind> after N schedules", then concheck's report
//      (which ends with the CONCHECK_REPLAY token of that schedule)
//   2  bad options or a bad replay token: the error on stderr, nothing ran.
// `schedules` is the budget when the environment does not set one.
#pragma once

#include <concheck/explore.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace samples {

inline std::string count_schedules(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " schedule" : " schedules");
}

inline int explore_sample(const char* program, const std::function<void()>& body,
                          std::uint64_t schedules = 1000) {
  concheck::explore_options options;
  options.schedules = schedules;
  const std::string bad_environment = concheck::explore_options_from_environment(options);
  if (!bad_environment.empty()) {
    std::fprintf(stderr, "%s: %s\n", program, bad_environment.c_str());
    return 2;
  }
  const concheck::explore_result result = concheck::explore(options, body);
  if (!result.error.empty()) {
    std::fprintf(stderr, "%s: %s\n", program, result.error.c_str());
    return 2;
  }
  if (result.failure) {
    std::printf("%s: found %s after %s\n%s", program, result.failure->kind.c_str(),
                count_schedules(result.schedules).c_str(), result.failure->report.c_str());
    if (!result.failure->report.empty() && result.failure->report.back() != '\n') std::printf("\n");
    return 1;
  }
  std::printf("%s: all %s passed\n", program, count_schedules(result.schedules).c_str());
  return 0;
}

}  // namespace samples
