// concheck GoogleTest integration: a finding becomes a failure of the test
// that was running when it was reported.
//
// Use: link the test binary with concheck::gtest (one line of CMake,
// `target_link_libraries(my_tests PRIVATE concheck::gtest)`) and include this
// header in any one of its source files (one line of code); that installs the
// listener before main() runs. Calling concheck::gtest::install() yourself
// (e.g. in a custom main) is equivalent and may be repeated.
//
// What it does: on each test start it names the test to concheck, so every
// finding carries the test it was reported in; a finding reported while the
// test runs (from any thread) is added to that test as a failure at the
// finding's first user site (file:line), with the full text report as the
// message, when the test ends. A finding reported outside a test, or stamped
// with a test that is no longer running, is never charged to the next test:
// it fails the run as a whole ("reported outside test X") at the end of the
// iteration. A real deadlock still ends the process with concheck's exit code
// (66 by default) after the report, so a death test can check it:
//
//   EXPECT_EXIT(run_ab_ba(), testing::ExitedWithCode(66), "deadlock");
//
// CONCHECK_TEST(Suite, Name) { body } registers a GoogleTest test whose body
// runs under explore mode (concheck/explore.hpp) with the default options,
// changed by CONCHECK_OPTIONS's explore_* keys: the body runs once per
// schedule, and the first failing schedule (a deadlock, a finding, an
// exception, a failed EXPECT_/ASSERT_ inside the body) fails the test with
// the report and the command that runs exactly that schedule again:
//   CONCHECK_REPLAY=<token> ./tests --gtest_filter=Suite.Name
#pragma once

#include <gtest/gtest.h>

#include "concheck/explore.hpp"

namespace concheck::gtest {

// The body of a CONCHECK_TEST: explores `body` and adds a failure with the
// report and the replay command to the running test.
// `options.shard_index`/`shard_count` pick this test's share of the schedules.
void run_explored_test(void (*body)(), const char* suite, const char* name, explore_options options = {});

// Appends concheck's listener to GoogleTest's listeners (once; later calls do
// nothing). Safe before main() and before testing::InitGoogleTest().
void install();

// True once install() has run.
bool installed() noexcept;

namespace detail {
// Including this header installs the listener during static initialization
// (and makes the linker keep the listener's object file from the archive).
inline const bool auto_installed = (install(), true);
}  // namespace detail

}  // namespace concheck::gtest

// Registers the explored test Suite.Name; with GoogleTest's sharding
// (GTEST_TOTAL_SHARDS=N) as N tests Suite.Name/0 .. Suite.Name/N-1, each
// exploring its share of the schedules (explore_options::shard_index), one
// per shard: GoogleTest gives consecutive tests to consecutive shards, so
// the CI systems that shard GoogleTest suites spread the exploration too.
namespace concheck::gtest {
int register_explored_test(void (*body)(), const char* suite, const char* name, const char* file, int line);
}  // namespace concheck::gtest

#define CONCHECK_TEST(Suite, Name)                                                                       \
  static void concheck_explored_body_##Suite##_##Name();                                                 \
  [[maybe_unused]] static const int concheck_explored_registered_##Suite##_##Name =                      \
      ::concheck::gtest::register_explored_test(&concheck_explored_body_##Suite##_##Name, #Suite, #Name, \
                                                __FILE__, __LINE__);                                     \
  static void concheck_explored_body_##Suite##_##Name()
