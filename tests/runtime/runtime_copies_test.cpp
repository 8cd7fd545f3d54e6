// One copy of the runtime per process (runtime/src/runtime_copies.hpp): a
// program linked with the static archive that also gets libconcheck.so
// (through a shared library that links it) or libconcheck_preload.so
// (LD_PRELOAD) would hold two runtimes, each seeing a part of the program.
// It is stopped at start with exit status 2, naming the second copy, and so
// is one whose second copy comes later, with a library loaded by dlopen();
// two shared copies (libconcheck.so and the preload library) are still one,
// whose first copy alone runs explore mode's schedule.
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

// The shared runtime libraries use initial-exec thread-locals (STATIC_TLS):
// glibc loads them with dlopen() only when its static TLS surplus has room
// for them (their 2.4 KiB do not fit the default 512 bytes), and otherwise
// fails the dlopen() with "cannot allocate memory in static TLS block", so
// no second copy comes in. The tests below make room, as a program whose
// plugins bring libconcheck.so would have to.
constexpr const char* kStaticTlsRoom = "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536";

// The static archive in the executable, then a library that links
// libconcheck.so loaded with dlopen(), or the preload library itself: the
// second copy's constructor finds the executable's (which exports its
// anchor) and stops the process inside the dlopen(), saying so.
TEST(runtime_copies, ASecondCopyLoadedWithDlopenIsRefused) {
  for (const std::string library : {CONCHECK_SHARED_RUNTIME_LIB, CONCHECK_PRELOAD_LIBRARY}) {
    std::string output;
    const int status =
        run_command(kStaticTlsRoom, std::string(CONCHECK_SCENARIO_STATIC) + " dlopen " + library, output);
    EXPECT_EQ(status, 2) << library << "\n" << output;
    EXPECT_NE(output.find(std::string("concheck: error: ") + kTwoCopies), std::string::npos) << output;
    EXPECT_NE(output.find("loaded with dlopen() after the program started"), std::string::npos) << output;
    EXPECT_NE(output.find("Link one runtime only"), std::string::npos) << output;
    EXPECT_EQ(output.find("dlopen: loaded"), std::string::npos) << output;
  }
}

// Without a copy in the executable, a library bringing libconcheck.so later
// adds nothing wrong: the same library again, or a second shared copy.
TEST(runtime_copies, ASharedCopyLoadedWithDlopenNextToASharedOneRuns) {
  for (const std::string& preload : {std::string(), std::string(" LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY}) {
    const std::string environment = kStaticTlsRoom + preload;
    const char* program = preload.empty() ? CONCHECK_SCENARIO_SHARED : CONCHECK_SCENARIO_PLAIN;
    std::string output;
    const int status =
        run_command(environment, std::string(program) + " dlopen " + CONCHECK_SHARED_RUNTIME_LIB, output);
    EXPECT_EQ(status, 0) << environment << "\n" << output;
    EXPECT_NE(output.find("dlopen: loaded"), std::string::npos) << output;
    EXPECT_EQ(output.find(kTwoCopies), std::string::npos) << output;
  }
}

// Explore mode's process schedule (explore_process.cpp) is run by the first
// copy only. It used to compare the anchor's address with its own, which in
// a shared copy is the first definition's: both copies ran a schedule, and
// the idle one's main thread never reached a scheduling point
// (step-bound-exceeded, exit status 66).
TEST(runtime_copies, OnlyTheFirstOfTwoSharedCopiesRunsTheProcessSchedule) {
  std::string output;
  const int status = run_command(
      std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY + " CONCHECK_EXPLORE_SCHEDULE=cc5-random-s1-i0",
      std::string(CONCHECK_SCENARIO_SHARED) + " clean", output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output.find("concheck:"), std::string::npos) << output;
}

}  // namespace
