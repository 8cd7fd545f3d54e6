// The log never loses a report silently: a log that cannot take a write
// (stdout on /dev/full) gets one warning on stderr and the report goes there.
#include <gtest/gtest.h>

#include <string>

#include "runtime_test_support.hpp"

using runtime_e2e::run_command;

namespace {

TEST(log_test, UnwritableLogFallsBackToStderrWithAWarning) {
  for (const std::string format : {"text", "json"}) {
    std::string output;
    // stdout goes to /dev/full, stderr to the pipe the test reads.
    const int status = run_command(
        "CONCHECK_OPTIONS=log_path=stdout:format=" + format,
        std::string("sh -c 'exec ") + CONCHECK_SCENARIO_STATIC + " inversion 2>&1 >/dev/full'", output);
    EXPECT_EQ(status, 0) << format << "\n" << output;
    EXPECT_NE(output.find("concheck: warning: cannot write to the log (stdout): No space left on device"),
              std::string::npos)
        << format << "\n"
        << output;
    EXPECT_NE(output.find("lock-order-inversion"), std::string::npos) << format << "\n" << output;
  }
}

// Linked with the shared runtime and preloaded with it too: two copies of
// the runtime in one process, one table. (The static archive under the
// preload library is refused at start: runtime_copies_test.cpp.)
TEST(log_test, HelpIsPrintedOnceWhenLinkedAndPreloaded) {
  std::string output;
  const int status =
      run_command(std::string("CONCHECK_OPTIONS=help=1 LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY,
                  std::string(CONCHECK_SCENARIO_SHARED) + " clean", output);
  EXPECT_EQ(status, 0) << output;
  std::size_t count = 0;
  for (std::size_t at = output.find("deadlock_grace_ms"); at != std::string::npos;
       at = output.find("deadlock_grace_ms", at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << output;
}

}  // namespace
