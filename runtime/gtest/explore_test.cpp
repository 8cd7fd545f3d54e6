// concheck::gtest: CONCHECK_TEST, a GoogleTest test whose body runs under
// explore mode (contract in concheck/gtest.hpp and concheck/explore.hpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
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
  const std::uint64_t shard_index = options.shard_index;
  const std::uint64_t shard_count = options.shard_count;
  const std::string error = explore_options_from_environment(options);
  options.shard_index = shard_index;
  options.shard_count = shard_count;
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
  std::string test = std::string(suite) + "." + name;
  if (shard_count > 1) test += "/" + std::to_string(shard_index);
  ADD_FAILURE() << "concheck explore: schedule " << result.failure->schedule << " of " << test << " failed ("
                << result.failure->kind << ")\n"
                << result.failure->report
                << "Run this schedule alone:\n  CONCHECK_REPLAY=" << result.failure->token << " "
                << this_program() << " --gtest_filter=" << test << "\n";
}

namespace {

// One share of an explored test's schedules.
class explored_test : public ::testing::Test {
 public:
  explored_test(void (*body)(), const char* suite, const char* name, std::uint64_t shard,
                std::uint64_t shards)
      : body_(body), suite_(suite), name_(name), shard_(shard), shards_(shards) {}
  void TestBody() override {
    explore_options options;
    options.shard_index = shard_;
    options.shard_count = shards_;
    run_explored_test(body_, suite_, name_, options);
  }

 private:
  void (*body_)();
  const char* suite_;
  const char* name_;
  std::uint64_t shard_;
  std::uint64_t shards_;
};

}  // namespace

int register_explored_test(void (*body)(), const char* suite, const char* name, const char* file, int line) {
  std::uint64_t shards = 1;
  if (const char* total = std::getenv("GTEST_TOTAL_SHARDS")) {
    const long n = std::strtol(total, nullptr, 10);
    if (n > 1) shards = static_cast<std::uint64_t>(n);
  }
  // A replay runs one schedule: one test.
  if (const char* replay = std::getenv("CONCHECK_REPLAY"); replay != nullptr && *replay != '\0') shards = 1;
  for (std::uint64_t shard = 0; shard < shards; ++shard) {
    const std::string test =
        shards == 1 ? std::string(name) : std::string(name) + "/" + std::to_string(shard);
    ::testing::RegisterTest(suite, test.c_str(), nullptr, nullptr, file, line, [=]() -> ::testing::Test* {
      return new explored_test(body, suite, name, shard, shards);
    });
  }
  return 0;
}

}  // namespace concheck::gtest
