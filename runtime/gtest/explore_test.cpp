// concheck::gtest: CONCHECK_TEST, a GoogleTest test whose body runs under
// explore mode (contract in concheck/gtest.hpp and concheck/explore.hpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "concheck/gtest.hpp"

namespace concheck::gtest {
namespace {

std::string this_program() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string("<test program>");
}

int failed_parts() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return 0;
  int failed = 0;
  const ::testing::TestResult* result = info->result();
  for (int i = 0; i < result->total_part_count(); ++i) {
    if (result->GetTestPartResult(i).failed()) ++failed;
  }
  return failed;
}

}  // namespace

void run_explored_test(void (*body)(), const char* suite, const char* name, explore_options options) {
  const std::string error = explore_options_from_environment(options);
  if (!error.empty()) {
    ADD_FAILURE() << "concheck: " << error;
    return;
  }
  // A GoogleTest assertion that fails inside the body fails its schedule.
  int seen = failed_parts();
  options.check = [&seen] {
    const int now = failed_parts();
    if (now == seen) return std::string();
    seen = now;
    return std::string("a GoogleTest assertion failed in this schedule (its message is above)");
  };
  const explore_result result = explore(options, [body] { body(); });
  if (!result.error.empty()) {
    ADD_FAILURE() << "concheck: " << result.error;
    return;
  }
  if (!result.failure) return;
  ADD_FAILURE() << "concheck explore: schedule " << result.failure->schedule << " of " << suite << "." << name
                << " failed (" << result.failure->kind << ")\n"
                << result.failure->report
                << "Run this schedule alone:\n  CONCHECK_REPLAY=" << result.failure->token << " "
                << this_program() << " --gtest_filter=" << suite << "." << name << "\n";
}

}  // namespace concheck::gtest
