// A deadlock in a forked child whose lock was held, at fork(), by a thread
// that does not exist in the child (scenarios/fork_holder_main.cpp): the
// report names that thread as a thread of the parent process, says it is gone,
// gives the fork-specific hint, and the child ends with concheck's exit code
// at once (the runner's timeout catches a hang).
#include <string>
#include <vector>

#include "child_process.hpp"
#include "concheck/detector/json.hpp"
#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

struct fork_variant {
  const char* name;
  std::string environment;
  std::string program;
};

std::vector<fork_variant> fork_variants() {
  std::vector<fork_variant> out{
      {"preload", std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY, CONCHECK_FORK_HOLDER_PLAIN}};
#if !defined(__SANITIZE_ADDRESS__)
  // Under ASan the static archive does not interpose pthread_mutex_lock in a
  // program that calls no other function of its interpose_mutex.o: libasan,
  // linked first, defines the symbol that --undefined names, so the member
  // is never pulled (the scenario program pulls it through pthread_mutex_init).
  out.push_back({"static", "", CONCHECK_FORK_HOLDER_STATIC});
#endif
  return out;
}

TEST(fork_holder, ChildDeadlockNamesTheHolderThatVanishedAtFork) {
  for (const auto& v : fork_variants()) {
    std::string output;
    // A long grace: the verdict must not wait for the all-blocked watchdog.
    const int status = run_command(v.environment + " CONCHECK_OPTIONS=color=never:deadlock_grace_ms=30000",
                                   v.program, output);
    EXPECT_EQ(status, 66) << v.name << "\n" << output;
    EXPECT_NE(output.find("fork-holder: child exited with 66"), std::string::npos) << v.name << "\n"
                                                                                   << output;
    EXPECT_NE(output.find("concheck: deadlock"), std::string::npos) << v.name << "\n" << output;
    EXPECT_NE(
        output.find("waits for 'g_state', held by thread 'holder' (T1) of the parent process, which does "
                    "not exist in this child (fork)"),
        std::string::npos)
        << v.name << "\n"
        << output;
    EXPECT_NE(output.find("Thread 'holder' (T1) of the parent process holds 'g_state' (acquired at "
                          "fork_holder_main.cpp:"),
              std::string::npos)
        << v.name << "\n"
        << output;
    EXPECT_NE(output.find("and does not exist in this child (fork):"), std::string::npos) << v.name << "\n"
                                                                                          << output;
    EXPECT_NE(output.find("hint: Locks held by other threads at fork() stay locked forever in the child"),
              std::string::npos)
        << v.name << "\n"
        << output;
    EXPECT_EQ(output.find("every thread is blocked"), std::string::npos) << v.name << "\n" << output;
    EXPECT_EQ(output.find("not reached"), std::string::npos) << v.name << "\n" << output;
  }
}

// The shortest grace: the all-blocked watchdog is due as soon as the child
// blocks, so it would win whenever the thread counted as blocked while its
// vanished-holder report is written (it did, on a loaded machine): the
// verdict must come before the wait is registered.
TEST(fork_holder, JsonStateMarksTheVanishedThread) {
  std::string output;
  const int status = run_command(std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY +
                                     " CONCHECK_OPTIONS=format=json:deadlock_grace_ms=1",
                                 CONCHECK_FORK_HOLDER_PLAIN, output);
  EXPECT_EQ(status, 66) << output;
  const auto lines = concheck::test::json_lines(output);
  ASSERT_EQ(lines.size(), 1u) << output;
  const auto parsed = concheck::detector::parse_finding_json(lines[0]);
  ASSERT_TRUE(parsed) << parsed.error;
  const auto& f = *parsed.value;
  EXPECT_EQ(f.kind, finding_kind::deadlock);
  ASSERT_EQ(f.states.size(), 2u) << lines[0];
  EXPECT_EQ(f.states[0].thread, 0u);
  EXPECT_FALSE(f.states[0].vanished_at_fork);
  ASSERT_TRUE(f.states[0].waits_for_lock.has_value());
  EXPECT_EQ(f.states[1].thread, 1u);
  EXPECT_TRUE(f.states[1].vanished_at_fork);
  EXPECT_EQ(f.states[1].holds, std::vector<std::uint64_t>{*f.states[0].waits_for_lock});
  EXPECT_EQ(f.states[1].waiting_at.file.substr(f.states[1].waiting_at.file.rfind('/') + 1),
            "fork_holder_main.cpp");
}

}  // namespace
}  // namespace runtime_e2e
