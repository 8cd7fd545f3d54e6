// Signal handlers and thread cancellation (docs/design.md, Hard cases), run
// as child processes: scenarios/signal_cancel_c.c (raw pthreads, a C cleanup
// handler) and scenarios/signal_cancel_cpp.cpp (std::unique_lock unwound by
// the cancellation), each preloaded into the plain build and linked with the
// static and the shared library. Correct programs must finish with exit 0 and
// no report even with halt_on_error=1; real hazards involving a handler must
// still be reported. The plain build without concheck runs too: the scenario
// itself is correct. Also: the type a report gives a mutex first locked in a
// handler (lock_type_test).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "registry_dump.hpp"

namespace {

struct variant {
  const char* name;
  std::string preload;  // "" when linked
  std::string program;
};

struct programs {
  const char* plain;
  const char* static_linked;
  const char* shared_linked;
};

constexpr programs kC{CONCHECK_SIGNAL_CANCEL_C_PLAIN, CONCHECK_SIGNAL_CANCEL_C_STATIC,
                      CONCHECK_SIGNAL_CANCEL_C_SHARED};
constexpr programs kCpp{CONCHECK_SIGNAL_CANCEL_CPP_PLAIN, CONCHECK_SIGNAL_CANCEL_CPP_STATIC,
                        CONCHECK_SIGNAL_CANCEL_CPP_SHARED};

std::vector<variant> concheck_variants(const programs& p) {
  return {{"preloaded", std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY, p.plain},
          {"static", "", p.static_linked},
          {"shared", "", p.shared_linked}};
}

concheck::test::child_result run(const variant& v, const std::string& scenario, const std::string& options) {
  concheck::test::child_options child;
  if (!v.preload.empty()) child.env.push_back(v.preload);
  child.env.push_back("CONCHECK_OPTIONS=" + options);
  child.timeout = std::chrono::seconds(60);
  if (v.preload.empty()) child.unset.push_back("LD_PRELOAD");
  return concheck::test::run_child({v.program, scenario}, child);
}

// Exit 0, the scenario's last line, and not one line from concheck, with
// every finding fatal.
void expect_clean(const programs& p, const std::string& scenario, const std::string& finished,
                  const std::string& options = "halt_on_error=1") {
  const auto plain = concheck::test::run_child({p.plain, scenario});
  ASSERT_EQ(plain.exit_code, 0) << "the scenario itself fails without concheck\n" << plain.out << plain.err;
  ASSERT_NE(plain.out.find(finished), std::string::npos) << plain.out;
  for (const auto& v : concheck_variants(p)) {
    const auto result = run(v, scenario, options);
    EXPECT_EQ(result.exit_code, 0) << v.name << " " << scenario << "\n" << result.out << result.err;
    EXPECT_NE(result.out.find(finished), std::string::npos) << v.name << "\n" << result.out;
    EXPECT_EQ(result.err.find("concheck"), std::string::npos) << v.name << " " << scenario << "\n"
                                                              << result.err;
  }
}

// A SIGALRM handler (every 100 us) locking its own mutexes while main locks
// others, nested, recursive, try-locked and read-locked: signals land inside
// the runtime's bookkeeping of main's operations (before the fix: a false
// unlock-not-owned, inversion and self-deadlock on every run).
TEST(signal_cancel_test, HandlerLockingItsOwnMutexesWhileMainLocksIsClean) {
  expect_clean(kC, "signal-handler", "signal-handler: finished (main looped)");
}

// The handler's locking is nested after what the interrupted code holds: an
// order it creates with main's locks is a real hazard and is reported.
TEST(signal_cancel_test, InversionBetweenHandlerAndMainIsReported) {
  for (const auto& v : concheck_variants(kC)) {
    const auto result = run(v, "signal-inversion", "format=json");
    EXPECT_EQ(result.exit_code, 0) << v.name << "\n" << result.out << result.err;
    const auto findings = concheck::test::json_lines(result.err);
    ASSERT_EQ(findings.size(), 1u) << v.name << "\n" << result.err;
    EXPECT_NE(findings[0].find("\"lock-order-inversion\""), std::string::npos) << findings[0];
    EXPECT_NE(findings[0].find("on_usr1_lock_h"), std::string::npos) << findings[0];
  }
}

// A handler that locks the mutex the interrupted code holds waits for its
// own thread forever: a self-deadlock (the plain program would hang).
TEST(signal_cancel_test, HandlerRelockingTheInterruptedCodesMutexIsASelfDeadlock) {
  for (const auto& v : concheck_variants(kC)) {
    const auto result = run(v, "signal-self-deadlock", "format=json");
    EXPECT_EQ(result.exit_code, 66) << v.name << "\n" << result.out << result.err;
    const auto findings = concheck::test::json_lines(result.err);
    ASSERT_EQ(findings.size(), 1u) << v.name << "\n" << result.err;
    EXPECT_NE(findings[0].find("\"self-deadlock\""), std::string::npos) << findings[0];
  }
}

// pthread_cancel of a thread in pthread_cond_wait / pthread_cond_timedwait
// whose cleanup handler unlocks the mutex (glibc re-acquired it during the
// cancellation; before the fix: a fatal false unlock-not-owned).
TEST(signal_cancel_test, CancelledConditionWaitWithCleanupHandlerIsClean) {
  expect_clean(kC, "cancel-cleanup", "cancel-cleanup: finished (2 cleanups)");
}

// pthread_cancel of a thread in sem_wait whose cleanup handler sleeps 400 ms
// while main joins it: the cancelled thread is running, not still waiting
// (before the fix: with a 50 ms grace, a false deadlock of main's join and
// the wait the thread had left).
TEST(signal_cancel_test, ThreadCancelledInSemaphoreWaitIsNotCountedAsBlocked) {
  expect_clean(kC, "cancel-sem-wait", "cancel-sem-wait: finished (1 cleanups)",
               "halt_on_error=1:deadlock_grace_ms=50");
}

// The same through C++: the unwinding runs ~unique_lock.
TEST(signal_cancel_test, CancelledConditionVariableWaitUnwindingUniqueLockIsClean) {
  expect_clean(kCpp, "cancel-unique-lock", "cancel-unique-lock: finished (2 unwound)");
}

// ---- The type of a mutex, from the stack of its first lock call ----

using concheck::detail::lock_class;
using concheck::detail::lock_type_from_first_use;
using concheck::detector::frame;
using concheck::detector::site;

frame internal_frame(const char* function) {
  frame f;
  f.function = function;
  f.internal = true;
  return f;
}

frame user_frame(const char* function, const char* file, int line) {
  frame f;
  f.function = function;
  f.file = file;
  f.line = line;
  return f;
}

// A raw mutex first locked in a signal handler that interrupted
// std::mutex::lock() (inlined into main): the frames beyond the handler's are
// not part of its call (before: "std::mutex").
TEST(lock_type_test, HandlersRawMutexIsNotNamedAfterTheCodeItInterrupted) {
  site first_use;
  first_use.frames = {internal_frame("pthread_mutex_lock"), user_frame("on_alarm(int)", "/src/a.cpp", 9),
                      internal_frame("__restore_rt"), internal_frame("std::mutex::lock()"),
                      user_frame("main", "/src/a.cpp", 15)};
  EXPECT_EQ(lock_type_from_first_use(first_use, lock_class::mutex), "pthread_mutex_t");
}

TEST(lock_type_test, StdMutexIsNamedByItsInlinedMember) {
  site first_use;
  first_use.frames = {internal_frame("pthread_mutex_lock"),
                      internal_frame("__gthread_mutex_lock(pthread_mutex_t*)"),
                      internal_frame("std::mutex::lock()"),
                      internal_frame("std::lock_guard<std::mutex>::lock_guard(std::mutex&)"),
                      user_frame("main", "/src/a.cpp", 15)};
  EXPECT_EQ(lock_type_from_first_use(first_use, lock_class::mutex), "std::mutex");
  // Even when the caller has no debug information (-O0: an out-of-line member).
  first_use.frames.back() = user_frame("main", "", 0);
  EXPECT_EQ(lock_type_from_first_use(first_use, lock_class::mutex), "std::mutex");
}

// A mutex first seen by a std::condition_variable wait (it registers the
// mutex) is a std::mutex: that is the only mutex the wait takes.
TEST(lock_type_test, MutexFirstSeenByAConditionVariableWaitIsAStdMutex) {
  site first_use;
  first_use.frames = {internal_frame("pthread_cond_wait"),
                      internal_frame("std::condition_variable::wait(std::unique_lock<std::mutex>&)"),
                      user_frame("main", "/src/a.cpp", 15)};
  EXPECT_EQ(lock_type_from_first_use(first_use, lock_class::mutex), "std::mutex");
}

// With no line information at the caller an inlined std::mutex::lock()
// leaves no frame: the type cannot be told.
TEST(lock_type_test, MutexCalledFromCodeWithoutDebugInformationIsUntold) {
  site first_use;
  first_use.frames = {internal_frame("pthread_mutex_lock"), user_frame("main", "", 0)};
  EXPECT_EQ(lock_type_from_first_use(first_use, lock_class::mutex), "mutex");
  // Reader-writer locks keep their pthread type (rendered with std::shared_mutex).
  EXPECT_EQ(lock_type_from_first_use(first_use, lock_class::rwlock), "pthread_rwlock_t");
}

// End to end: both mutexes of the handler-vs-main inversion (raw C, built
// with -g) are pthread_mutex_t.
TEST(lock_type_test, RawMutexesOfTheHandlerInversionArePthreadMutexes) {
  for (const auto& v : concheck_variants(kC)) {
    const auto result = run(v, "signal-inversion", "format=json");
    const auto findings = concheck::test::json_lines(result.err);
    ASSERT_EQ(findings.size(), 1u) << v.name << "\n" << result.err;
    EXPECT_EQ(findings[0].find("\"std::mutex\""), std::string::npos) << findings[0];
    std::size_t count = 0;
    for (std::size_t at = findings[0].find("\"type\":\"pthread_mutex_t\""); at != std::string::npos;
         at = findings[0].find("\"type\":\"pthread_mutex_t\"", at + 1))
      ++count;
    EXPECT_EQ(count, 2u) << findings[0];
  }
}

}  // namespace
