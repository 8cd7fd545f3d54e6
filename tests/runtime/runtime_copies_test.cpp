// One copy of the runtime per process (runtime/src/runtime_copies.hpp): a
// program linked with the static archive that also gets libconcheck.so
// (through a shared library that links it) or libconcheck_preload.so
// (LD_PRELOAD) would hold two runtimes, each seeing a part of the program.
// It is stopped at start with exit status 2, naming the second copy; two
// shared copies (libconcheck.so and the preload library) are still one.
#include <gtest/gtest.h>

#include <string>

#include "runtime_test_support.hpp"

using runtime_e2e::run_command;

namespace {

constexpr const char* kTwoCopies = "two copies of concheck's runtime are in this process";

TEST(runtime_copies, StaticArchiveWithLibconcheckFromASharedLibraryIsRefused) {
  std::string output;
  const int status = run_command("", std::string(CONCHECK_TWO_RUNTIMES_STATIC) + " clean", output);
  EXPECT_EQ(status, 2) << output;
  EXPECT_NE(output.find(std::string("concheck: error: ") + kTwoCopies), std::string::npos) << output;
  EXPECT_NE(output.find("libconcheck.so"), std::string::npos) << output;
  EXPECT_NE(output.find("Link one runtime only"), std::string::npos) << output;
}

TEST(runtime_copies, StaticArchiveUnderThePreloadLibraryIsRefused) {
  for (const std::string format : {"text", "json"}) {
    std::string output;
    const int status =
        run_command("CONCHECK_OPTIONS=format=" + format + " LD_PRELOAD=" + CONCHECK_PRELOAD_LIBRARY,
                    std::string(CONCHECK_SCENARIO_STATIC) + " clean", output);
    EXPECT_EQ(status, 2) << format << "\n" << output;
    EXPECT_NE(output.find(kTwoCopies), std::string::npos) << format << "\n" << output;
    EXPECT_NE(output.find("libconcheck_preload.so"), std::string::npos) << format << "\n" << output;
    if (format == "json") {
      EXPECT_NE(output.find(R"("record":"notice","level":"error")"), std::string::npos) << output;
    }
  }
}

// libconcheck.so and the preload library: both shared, every call outside
// them binds to the first, so the program runs.
TEST(runtime_copies, SharedLibraryUnderThePreloadLibraryRuns) {
  std::string output;
  const int status = run_command(std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY,
                                 std::string(CONCHECK_SCENARIO_SHARED) + " clean", output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output.find(kTwoCopies), std::string::npos) << output;
}

}  // namespace
