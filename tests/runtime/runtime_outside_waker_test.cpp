// Wakers concheck cannot see (docs/reading-reports.md, "deadlock"): an
// all-blocked process that a signal handler, a timer's thread or another
// process can still wake is not ended; the same waits with nothing to end
// them, and lock cycles whatever else is installed, still are. Each case runs
// scenarios/outside_waker_main.cpp preloaded and linked with the static archive.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "runtime_test_support.hpp"

using runtime_e2e::run_command;

namespace {

struct variant {
  const char* name;
  std::string environment;
  std::string program;
};

std::vector<variant> variants() {
  return {{"preloaded", std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY, CONCHECK_OUTSIDE_WAKER_PLAIN},
          {"static", "", CONCHECK_OUTSIDE_WAKER_STATIC}};
}

// Short grace periods so a wrongly fatal verdict would come quickly; the
// outside-waker warning is far beyond every waker's delay.
const std::string kOptions = "CONCHECK_OPTIONS=deadlock_grace_ms=200:outside_waker_grace_ms=60000";

void expect_finishes_cleanly(const std::string& mode, const std::string& expected_line) {
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command({v.environment, kOptions}, v.program, mode, output);
    EXPECT_EQ(status, 0) << v.name << " " << mode << "\n" << output;
    EXPECT_NE(output.find(expected_line), std::string::npos) << v.name << " " << mode << "\n" << output;
    EXPECT_EQ(output.find("concheck: deadlock"), std::string::npos) << v.name << " " << mode << "\n"
                                                                    << output;
  }
}

TEST(outside_waker_test, SemaphorePostedBySignalHandlerIsNoDeadlock) {
  expect_finishes_cleanly("signal-sem", "woken by the handler");
}

TEST(outside_waker_test, SigevThreadTimerIsNoDeadlock) {
  expect_finishes_cleanly("sigev-thread", "woken by the timer's thread");
}

TEST(outside_waker_test, ProcessSharedMutexHeldByAnotherProcessIsNoDeadlock) {
  expect_finishes_cleanly("pshared-mutex", "released by the other process");
}

TEST(outside_waker_test, ProcessSharedConditionSignalledByAnotherProcessIsNoDeadlock) {
  expect_finishes_cleanly("pshared-cond", "signalled by the other process");
}

TEST(outside_waker_test, NamedSemaphorePostedByAnotherProcessIsNoDeadlock) {
  expect_finishes_cleanly("named-sem", "posted by the other process");
}

TEST(outside_waker_test, IdleServiceStoppedBySignalIsNoDeadlock) {
  expect_finishes_cleanly("idle-service", "stopped by SIGTERM");
}

TEST(outside_waker_test, SemaphoreNobodyCanPostIsStillADeadlock) {
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command({v.environment, kOptions}, v.program, "no-waker-sem", output);
    EXPECT_EQ(status, 66) << v.name << "\n" << output;
    EXPECT_NE(output.find("every thread is blocked"), std::string::npos) << v.name << "\n" << output;
  }
}

TEST(outside_waker_test, LockCycleIsADeadlockEvenWithASignalHandler) {
  for (const auto& v : variants()) {
    std::string output;
    const int status = run_command({v.environment, kOptions}, v.program, "cycle-with-handler", output);
    EXPECT_EQ(status, 66) << v.name << "\n" << output;
    EXPECT_NE(output.find("2 threads wait for each other"), std::string::npos) << v.name << "\n" << output;
  }
}

// A handler is installed and the signal comes late: concheck warns once, in
// the log's format, and lets the program go on; the test then sends the
// signal and the program finishes.
struct warned_run {
  int status = -1;
  std::string output;
};

warned_run run_until_warned_then_signal(const variant& v, const std::string& options) {
  warned_run run;
  int out[2];
  if (pipe(out) != 0) return run;
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    close(out[0]);
    if (!v.environment.empty()) putenv(const_cast<char*>(v.environment.c_str()));
    putenv(const_cast<char*>(options.c_str()));
    execl(v.program.c_str(), v.program.c_str(), "usr1", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  bool signalled = false;
  char buffer[4096];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    pollfd ready{out[0], POLLIN, 0};
    if (poll(&ready, 1, 1000) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(child, SIGKILL);
        break;
      }
      continue;
    }
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    run.output.append(buffer, static_cast<std::size_t>(n));
    if (!signalled && run.output.find("not proof of a deadlock") != std::string::npos) {
      kill(child, SIGUSR1);
      signalled = true;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(child, SIGKILL);
      break;
    }
  }
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(outside_waker_test, HandlerThatNeverFiresGivesOneWarningAndTheProgramGoesOn) {
  for (const auto& v : variants()) {
    const warned_run run =
        run_until_warned_then_signal(v, "CONCHECK_OPTIONS=deadlock_grace_ms=100:outside_waker_grace_ms=300");
    EXPECT_EQ(run.status, 0) << v.name << "\n" << run.output;
    EXPECT_NE(run.output.find("concheck: warning: every thread has been blocked"), std::string::npos)
        << v.name << "\n"
        << run.output;
    EXPECT_NE(run.output.find("signal handlers are installed for SIGUSR1"), std::string::npos)
        << v.name << "\n"
        << run.output;
    EXPECT_NE(run.output.find("usr1: woken"), std::string::npos) << v.name << "\n" << run.output;
  }
}

TEST(outside_waker_test, WarningInAJsonLogIsAJsonRecord) {
  const variant v = variants()[1];
  const warned_run run = run_until_warned_then_signal(
      v, "CONCHECK_OPTIONS=format=json:deadlock_grace_ms=100:outside_waker_grace_ms=300");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(
      run.output.find(R"({"schema_version":1,"record":"notice","level":"warning","message":"every thread)"),
      std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find("concheck: warning"), std::string::npos) << run.output;
}

}  // namespace
