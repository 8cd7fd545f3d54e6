// `concheck run` interrupted (run_interrupt.hpp, docs/explore.md
// "Interrupting a run"): the built command explores run_target's
// block-after mode, whose first runs pass and whose next run tells the test
// its pid through a pipe and blocks; the test then signals the driver and
// checks how it ends, what it printed, that the replay command it printed
// runs, and that no process of the run survives: every one of them holds
// the marker pipe's write end, so its end of file means they are all gone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include "child_process.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;

constexpr int kMarkerFd = 40;  // the marker pipe's write end in the run's processes

std::string count_file(const std::string& name) {
  const std::string path = ::testing::TempDir() + "run_signals_" + name + "_" + std::to_string(::getpid());
  std::remove(path.c_str());
  return path;
}

std::vector<std::string> run_arguments(std::vector<std::string> options, const std::string& count,
                                       int passing) {
  std::vector<std::string> argv{CONCHECK_BINARY, "run"};
  argv.insert(argv.end(), options.begin(), options.end());
  for (std::string word : {std::string("--"), std::string(CONCHECK_RUN_TARGET), std::string("block-after"),
                           std::to_string(kMarkerFd), count, std::to_string(passing)})
    argv.push_back(word);
  return argv;
}

// A `concheck run` started in a process group of its own, its stdout and
// stderr and the marker pipe read by the test. The test process is a
// subreaper while it lives: a process of the run that `concheck run` leaves
// unreaped comes here, and stays a zombie (still there for kill(pid, 0))
// until the destructor reaps it.
class interrupted_run {
 public:
  explicit interrupted_run(const std::vector<std::string>& argv) {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    int out_pipe[2], err_pipe[2], marker[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
        ::pipe2(marker, O_CLOEXEC) != 0)
      ADD_FAILURE() << "pipe: " << std::strerror(errno);
    std::vector<std::string> env{std::string("CONCHECK_PRELOAD_LIBRARY=") + CONCHECK_PRELOAD_LIBRARY};
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      if (entry.rfind("CONCHECK_", 0) != 0 && entry.rfind("LD_PRELOAD=", 0) != 0) env.push_back(entry);
    }
    std::vector<std::string> args = argv;
    std::vector<char*> envp, argp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    for (auto& a : args) argp.push_back(a.data());
    argp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&actions, marker[1], kMarkerFd);  // dup2 clears close-on-exec
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (const int error = ::posix_spawn(&pid_, argp[0], &actions, &attributes, argp.data(), envp.data()))
      ADD_FAILURE() << "cannot start concheck: " << std::strerror(error);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(marker[1]);
    out_ = out_pipe[0];
    err_ = err_pipe[0];
    marker_ = marker[0];
  }

  ~interrupted_run() {
    if (pid_ > 0) {  // a failed test: leave nothing behind
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (const int fd : {out_, err_, marker_}) ::close(fd);
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }

  // The next line a blocked run wrote: "<pid> <parent pid>"; false when the
  // marker pipe ended or the deadline (a last resort) passed first.
  bool wait_for_blocked_run(pid_t& schedule, pid_t& server) {
    std::string line;
    while (line.find('\n') == std::string::npos) {
      pollfd ready{marker_, POLLIN, 0};
      char c;
      if (::poll(&ready, 1, 60000) <= 0 || ::read(marker_, &c, 1) != 1) return false;
      line += c;
    }
    return std::sscanf(line.c_str(), "%d %d", &schedule, &server) == 2;
  }

  // Reads stdout and stderr to their end and reaps the driver.
  void wait_for_end() {
    std::string* into[] = {&out, &err};
    bool open[] = {true, true};
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while ((open[0] || open[1]) && std::chrono::steady_clock::now() < deadline) {
      pollfd fds[2] = {{open[0] ? out_ : -1, POLLIN, 0}, {open[1] ? err_ : -1, POLLIN, 0}};
      ::poll(fds, 2, 1000);
      for (int i = 0; i < 2; ++i) {
        if (!open[i] || fds[i].revents == 0) continue;
        char buffer[4096];
        const ssize_t n = ::read(i == 0 ? out_ : err_, buffer, sizeof buffer);
        if (n > 0) into[i]->append(buffer, static_cast<std::size_t>(n));
        if (n <= 0) open[i] = false;
      }
    }
    ASSERT_FALSE(open[0] || open[1]) << "concheck run did not end; its output so far:\n" << out << err;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // True once no process holds the marker pipe's write end: every process of
  // the run has ended (the deadline is a last resort).
  bool every_process_ended() {
    for (;;) {
      pollfd ready{marker_, POLLIN, 0};
      if (::poll(&ready, 1, 60000) <= 0) return false;
      char buffer[256];
      const ssize_t n = ::read(marker_, buffer, sizeof buffer);
      if (n == 0) return true;
      if (n < 0) return false;
    }
  }

  pid_t pid() const { return pid_; }

  std::string out;
  std::string err;
  int status = 0;

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  int marker_ = -1;
};

concheck::test::child_result run_to_end(std::vector<std::string> argv) {
  concheck::test::child_options options;
  options.unset = {"CONCHECK_OPTIONS", "LD_PRELOAD", "CONCHECK_REPLAY"};
  options.env = {std::string("CONCHECK_PRELOAD_LIBRARY=") + CONCHECK_PRELOAD_LIBRARY};
  return concheck::test::run_child(argv, options);
}

// Three schedules pass, the fourth (schedule 3) blocks; the signal stops it,
// the summary names it with its replay command, the driver ends by the
// signal, and its replay (on a fresh count, so that it passes) runs.
TEST(RunInterrupted, TheSignalStopsTheRunningScheduleAndTheSummaryNamesItsReplay) {
  for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
    const std::string name = sigabbrev_np(signal);
    SCOPED_TRACE("SIG" + name);
    const std::string count = count_file(name);
    interrupted_run run(run_arguments({"--schedules", "1000"}, count, 3));
    pid_t schedule = 0, server = 0;
    ASSERT_TRUE(run.wait_for_blocked_run(schedule, server));
    ASSERT_EQ(::kill(run.pid(), signal), 0);
    run.wait_for_end();
    EXPECT_TRUE(WIFSIGNALED(run.status) && WTERMSIG(run.status) == signal)
        << "wait status " << run.status << "\n"
        << run.out << run.err;
    EXPECT_TRUE(run.every_process_ended());
    // Reaped by concheck run before it ended, not left to its parent.
    EXPECT_TRUE(::kill(schedule, 0) == -1 && errno == ESRCH) << "schedule " << schedule;
    EXPECT_TRUE(::kill(server, 0) == -1 && errno == ESRCH) << "server " << server;
    EXPECT_NE(
        run.err.find("concheck run: interrupted by SIG" + name + " after 3 of 1000 schedules: 3 passed"),
        std::string::npos)
        << run.err;
    const std::regex replay("interrupted by SIG" + name +
                            " during schedule 3; replay it:\n  concheck run --replay (cc5-[^ ]+) -- ");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(run.err, m, replay)) << run.err;
    const std::string token = m[1].str();
    EXPECT_EQ(token, "cc5-random-s1-i3");  // automatic: random on odd indices
    // The phase is read from the running schedule's token, whatever its version.
    EXPECT_NE(run.err.find("(automatic strategy, phase random, seed 1"), std::string::npos) << run.err;
    const std::string fresh = count_file(name + "_replay");
    const auto again = run_to_end(run_arguments({"--replay", token}, fresh, 1000));
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_NE(again.out.find("all 1 schedules passed (replay strategy"), std::string::npos) << again.out;
    std::remove(count.c_str());
    std::remove(fresh.c_str());
  }
}

// With --format json the summary is a run-summary record on stdout that
// names the signal and the schedules it stopped, each with its token.
TEST(RunInterrupted, JsonSummaryNamesTheSignalAndTheRunningSchedules) {
  const std::string count = count_file("json");
  interrupted_run run(run_arguments({"--format", "json", "--jobs", "2", "--schedules", "1000"}, count, 5));
  pid_t schedule = 0, server = 0;
  ASSERT_TRUE(run.wait_for_blocked_run(schedule, server));
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  run.wait_for_end();
  EXPECT_TRUE(WIFSIGNALED(run.status) && WTERMSIG(run.status) == SIGTERM) << run.out << run.err;
  EXPECT_TRUE(run.every_process_ended());
  const auto lines = concheck::test::json_lines(run.out);
  ASSERT_EQ(lines.size(), 1u) << run.out;
  EXPECT_NE(lines[0].find("\"record\":\"run-summary\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"failed\":false,\"interrupted\":\"SIGTERM\",\"running\":[{\"schedule\":"),
            std::string::npos)
      << lines[0];
  EXPECT_TRUE(std::regex_search(lines[0], std::regex("\"replay\":\"cc5-(pct|random)-[^\"]+\"}"))) << lines[0];
  std::remove(count.c_str());
}

// A driver killed by SIGKILL runs no handler: the fork server and the
// schedule's child end with it (PR_SET_PDEATHSIG, explore_process.cpp), even
// a child that is stopped and so never reaches its own stall watch.
TEST(RunInterrupted, ProcessesOfARunEndWithAKilledDriver) {
  const std::string count = count_file("kill");
  interrupted_run run(run_arguments({"--schedules", "1000"}, count, 1));
  pid_t schedule = 0, server = 0;
  ASSERT_TRUE(run.wait_for_blocked_run(schedule, server));
  ASSERT_EQ(::kill(schedule, SIGSTOP), 0);
  ASSERT_EQ(::kill(run.pid(), SIGKILL), 0);
  run.wait_for_end();
  const bool ended = run.every_process_ended();
  EXPECT_TRUE(ended) << "the fork server or the schedule outlived the driver";
  if (!ended) {
    ::kill(-server, SIGKILL);
    ::kill(schedule, SIGKILL);
  }
  std::remove(count.c_str());
}

}  // namespace
