// `concheck run`: see run_command.hpp.
#include "run_command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "concheck/detector/log_records.hpp"
#include "concheck/detector/render.hpp"
#include "explore_strategies.hpp"
#include "program_runtime.hpp"
#include "run_interrupt.hpp"
#include "subcommands.hpp"

extern char** environ;

namespace concheck::cli {
namespace {

using steady = std::chrono::steady_clock;

struct run_options {
  std::string strategy = "automatic";
  std::uint64_t schedules = 1000;
  std::uint64_t seed = 1;
  double time_limit = 0;  // seconds; 0: none
  std::string replay;
  unsigned jobs = 1;
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  double timeout = 60;  // seconds per schedule
  int pct_depth = 3;
  int preemption_bound = 2;  // dfs and delay
  bool json = false;
  bool help = false;
  std::vector<std::string> program;
};

// `concheck run --help` (stdout, exit 0). The defaults are run_options'.
constexpr std::string_view kRunHelp =
    "usage: concheck run [options] -- PROGRAM ARGS...\n"
    "  Runs PROGRAM once per schedule, its threads one at a time in the order the schedule picks\n"
    "  (explore mode, docs/explore.md). A schedule fails when the program exits non-zero, dies of a\n"
    "  signal, hangs past --timeout, or concheck reports a finding; the first failure is printed with\n"
    "  the replay token that runs it again.\n"
    "  --strategy automatic|random|pct|dfs|delay  how schedules are picked (default automatic: pct\n"
    "                                  and random alternately; dfs and delay: a bounded search)\n"
    "  --schedules N                   schedules to run (default 1000)\n"
    "  --seed S                        seed of random and pct (default 1)\n"
    "  --time-limit SECONDS            stop starting schedules after this long (default: none)\n"
    "  --timeout SECONDS               real time one schedule may take (default 60)\n"
    "  --jobs J                        schedules run at once, 1..256 (default 1)\n"
    "  --shard I/N                     run only the schedules i with i % N == I (split over machines)\n"
    "  --pct-depth D                   pct's depth, 1..64 (default 3)\n"
    "  --preemption-bound B            dfs's preemptions, delay's delays per schedule (default 2)\n"
    "  --replay TOKEN                  run exactly the schedule of a replay token (cc5-...)\n"
    "  --format text|json              the report as text, or JSON Lines with a run-summary record\n"
    "  -h, --help                      this text\n"
    "Exit status: 0 every schedule passed, 1 a schedule failed, 2 usage error.\n";

bool parse_u64(std::string_view text, std::uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool parse_seconds(const std::string& text, double& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && errno == 0 && end == text.c_str() + text.size() && out >= 0 && out < 1e7;
}

// Parses the arguments; returns "" or the error.
std::string parse(const std::vector<std::string>& args, run_options& o) {
  std::size_t i = 0;
  const auto value = [&](const std::string& flag, std::string& out) -> std::string {
    if (i + 1 >= args.size()) return fmt::format("{} needs a value", flag);
    out = args[++i];
    return {};
  };
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    std::string error;
    if (a == "--") {
      o.program.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    } else if (a == "-h" || a == "--help") {
      o.help = true;
      return {};
    } else if (a == "--strategy") {
      if (!(error = value(a, v)).empty()) return error;
      if (v != "automatic" && v != "random" && v != "pct" && v != "dfs" && v != "delay")
        return fmt::format("--strategy expects automatic, random, pct, dfs or delay, got '{}'", v);
      o.strategy = v;
    } else if (a == "--preemption-bound") {
      if (!(error = value(a, v)).empty()) return error;
      std::uint64_t n = 0;
      if (!parse_u64(v, n) || n > 1000) return fmt::format("--preemption-bound expects 0..1000, got '{}'", v);
      o.preemption_bound = static_cast<int>(n);
    } else if (a == "--schedules" || a == "--seed" || a == "--jobs" || a == "--pct-depth") {
      if (!(error = value(a, v)).empty()) return error;
      std::uint64_t n = 0;
      if (!parse_u64(v, n)) return fmt::format("{} expects a non-negative integer, got '{}'", a, v);
      if (a == "--schedules") {
        if (n == 0) return "--schedules must be at least 1";
        o.schedules = n;
      } else if (a == "--seed") {
        o.seed = n;
      } else if (a == "--jobs") {
        if (n == 0 || n > 256) return fmt::format("--jobs expects 1..256, got '{}'", v);
        o.jobs = static_cast<unsigned>(n);
      } else {
        if (n == 0 || n > 64) return fmt::format("--pct-depth expects 1..64, got '{}'", v);
        o.pct_depth = static_cast<int>(n);
      }
    } else if (a == "--time-limit" || a == "--timeout") {
      if (!(error = value(a, v)).empty()) return error;
      double s = 0;
      if (!parse_seconds(v, s)) return fmt::format("{} expects seconds, got '{}'", a, v);
      if (a == "--timeout" && s <= 0) return "--timeout must be positive";
      (a == "--time-limit" ? o.time_limit : o.timeout) = s;
    } else if (a == "--replay") {
      if (!(error = value(a, v)).empty()) return error;
      if (v.rfind("cc1-", 0) == 0 || v.rfind("cc2-", 0) == 0 || v.rfind("cc3-", 0) == 0 ||
          v.rfind("cc4-", 0) == 0)
        return fmt::format(
            "replay token '{}' was made by an earlier concheck (version {}) and would run a different "
            "interleaving here: explore again for a cc5 token",
            v, v.substr(0, 3));
      if (v.rfind("cc5-", 0) != 0)
        return fmt::format("malformed replay token '{}': expected it to start with 'cc5-'", v);
      o.replay = v;
    } else if (a == "--shard") {
      if (!(error = value(a, v)).empty()) return error;
      const std::size_t slash = v.find('/');
      if (slash == std::string::npos || !parse_u64(std::string_view(v).substr(0, slash), o.shard_index) ||
          !parse_u64(std::string_view(v).substr(slash + 1), o.shard_count) || o.shard_count == 0 ||
          o.shard_index >= o.shard_count)
        return fmt::format("--shard expects I/N with 0 <= I < N, got '{}'", v);
    } else if (a == "--format") {
      if (!(error = value(a, v)).empty()) return error;
      if (v != "text" && v != "json") return fmt::format("--format expects text or json, got '{}'", v);
      o.json = v == "json";
    } else {
      return fmt::format("unknown option '{}' (the program comes after --)", a);
    }
  }
  if (o.program.empty()) return "no program to run: concheck run [options] -- PROGRAM ARGS...";
  return {};
}

// The preload library: $CONCHECK_PRELOAD_LIBRARY, the build tree's, or the
// installed one next to this executable (<prefix>/bin/../lib).
std::string preload_library() {
  if (const char* set = std::getenv("CONCHECK_PRELOAD_LIBRARY"); set != nullptr && *set != '\0') return set;
  std::error_code ec;
  if (std::filesystem::exists(CONCHECK_BUILD_PRELOAD_LIBRARY, ec)) return CONCHECK_BUILD_PRELOAD_LIBRARY;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (const char* lib : {"lib", "lib64", CONCHECK_INSTALL_LIBDIR}) {
    const auto candidate = self.parent_path().parent_path() / lib / "libconcheck_preload.so";
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
  }
  return {};
}

// The CPU the fork server of job `slot` is pinned to (it and its children):
// the slot-th CPU this process may use, round robin; -1 to leave it free.
int cpu_for(std::size_t slot) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) == 0) return -1;
  std::size_t k = slot % static_cast<std::size_t>(CPU_COUNT(&allowed));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (k-- == 0) return cpu;
  }
  return -1;
}

std::string token_for(const run_options& o, std::uint64_t index, std::uint64_t pct_steps) {
  const bool pct = o.strategy == "pct" || (o.strategy == "automatic" && index % 2 == 0);
  if (pct)
    return fmt::format("cc5-pct-d{}-k{}-s{}-i{}", o.pct_depth, std::max<std::uint64_t>(pct_steps, 10), o.seed,
                       index);
  return fmt::format("cc5-random-s{}-i{}", o.seed, index);
}

struct schedule_run {
  std::uint64_t index = 0;
  std::string token;
  steady::time_point started;  // when its server began to run it
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  std::string output;
  std::uint64_t steps = 0;
  std::string choices;  // every step's choices (process_choices), when it exited normally
  bool failed() const { return timed_out || signal != 0 || exit_code != 0; }
};

// One copy of the program started as a fork server (explore_process.cpp in
// the runtime): it forks a child per schedule from the point before the
// program's own initialization, which costs a fraction of starting it.
// Up to kQueueDepth requests wait at a server: it starts the next schedule
// as soon as one ends, without waiting for this process to read the answer
// and send another (on a busy machine, that round trip costs as much as a
// small schedule).
constexpr std::size_t kQueueDepth = 2;

struct server {
  pid_t pid = -1;
  int to = -1;                    // requests
  int from = -1;                  // answers
  std::string pending;            // an answer being read
  std::deque<schedule_run> runs;  // sent, not answered yet; the first one runs
};

// Kills a server's process group and reaps every process of it: this
// process is their subreaper (run_run_command), so the server's children,
// orphaned as it dies, are reaped here too and none outlives `concheck run`.
// The pipes stay open: the answers already sent can still be read.
void halt_server(server& s) {
  if (s.pid <= 0) return;
  ::kill(-s.pid, SIGKILL);
  run_interrupt::forget_group(s.pid);  // before the reaping frees its pid
  for (int status = 0;;) {
    if (::waitpid(-s.pid, &status, 0) > 0 || errno == EINTR) continue;
    break;
  }
  s.pid = -1;
}

void stop_server(server& s) {
  halt_server(s);
  if (s.to >= 0) ::close(s.to);
  if (s.from >= 0) ::close(s.from);
  s = server{};
}

// Starts a server and waits for its "ready"; "" or the error.
std::string start_server(const run_options& o, const std::string& preload, server& s, int cpu) {
  int requests[2];
  int answers[2];
  if (::pipe2(requests, O_CLOEXEC) != 0 || ::pipe2(answers, O_CLOEXEC) != 0)
    return fmt::format("cannot create a pipe: {}", std::strerror(errno));
  std::vector<std::string> env;
  // The schedule's own time limit comes first, so that the user's
  // CONCHECK_OPTIONS may override it.
  const auto limit_ms = static_cast<long long>(std::min(o.timeout * 1000, 2e9));
  std::string options = fmt::format("explore_schedule_timeout_ms={}:format=json", limit_ms);
  std::string preload_value = preload;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.rfind("CONCHECK_OPTIONS=", 0) == 0) {
      options = fmt::format("explore_schedule_timeout_ms={}:{}:format=json", limit_ms, entry.substr(17));
    } else if (entry.rfind("LD_PRELOAD=", 0) == 0) {
      if (entry.size() > 11) preload_value += ":" + std::string(entry.substr(11));
    } else if (entry.rfind("CONCHECK_EXPLORE_", 0) != 0 && entry.rfind("CONCHECK_REPLAY=", 0) != 0) {
      env.emplace_back(entry);
    }
  }
  env.push_back("CONCHECK_OPTIONS=" + options);
  if (!preload_value.empty()) env.push_back("LD_PRELOAD=" + preload_value);
  env.push_back(cpu >= 0 ? fmt::format("CONCHECK_EXPLORE_SERVER=3,4,{}", cpu)
                         : "CONCHECK_EXPLORE_SERVER=3,4");
  // Every symbol bound at the server's start, once: bound lazily, each child
  // would look up the same symbols again and write them into its own copy of
  // the GOT pages (page faults that cost a few percent of a schedule here).
  // The runtime removes both variables again before the program's own code
  // runs (explore_process.cpp), so the program and what it executes do not
  // see them.
  const bool bind_now_set = std::any_of(env.begin(), env.end(),
                                        [](const std::string& e) { return e.rfind("LD_BIND_NOW=", 0) == 0; });
  if (!bind_now_set) {
    env.push_back("LD_BIND_NOW=1");
    env.push_back("CONCHECK_EXPLORE_BIND_NOW=1");
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_storage = o.program;
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, requests[0], 3);
  posix_spawn_file_actions_adddup2(&actions, answers[1], 4);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const int error = ::posix_spawnp(&s.pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(requests[0]);
  ::close(answers[1]);
  s.to = requests[1];
  s.from = answers[0];
  if (error != 0) {
    s.pid = -1;
    stop_server(s);
    return fmt::format("cannot run '{}': {}", o.program[0], std::strerror(error));
  }
  run_interrupt::watch_group(s.pid);
  std::string line;
  char c;
  pollfd ready[2] = {{s.from, POLLIN, 0}, {run_interrupt::wake_fd(), POLLIN, 0}};
  while (::poll(ready, 2, 30000) > 0 && run_interrupt::received() == 0 && ::read(s.from, &c, 1) == 1 &&
         c != '\n')
    line += c;
  if (run_interrupt::received() != 0) {
    stop_server(s);
    return "interrupted";  // the caller reports the signal
  }
  if (line != "ready") {
    stop_server(s);
    return fmt::format(
        "'{}' did not load concheck's runtime (a statically linked program, or one that cannot start: see "
        "its "
        "message above)",
        o.program[0]);
  }
  return {};
}

// Queues `run` at the server `s`; "" or the error.
std::string dispatch(server& s, schedule_run run) {
  const std::string request = run.token + "\n";
  if (::write(s.to, request.data(), request.size()) != static_cast<ssize_t>(request.size()))
    return "the program's schedule server ended unexpectedly";
  if (s.runs.empty()) run.started = steady::now();
  s.runs.push_back(std::move(run));
  return {};
}

// Parses a complete answer at the start of `s.pending` into `run`
// ("<wait status> <steps> <output bytes> <choices>\n<output>"); false while
// it is incomplete.
bool take_answer(server& s, schedule_run& run) {
  const std::size_t newline = s.pending.find('\n');
  if (newline == std::string::npos) return false;
  int status = 0;
  std::uint64_t steps = 0;
  std::size_t size = 0;
  int consumed = 0;
  if (std::sscanf(s.pending.c_str(), "%d %lu %zu %n", &status, &steps, &size, &consumed) < 3 || consumed == 0)
    consumed = static_cast<int>(newline);
  if (s.pending.size() < newline + 1 + size) return false;
  run.steps = steps;
  if (static_cast<std::size_t>(consumed) < newline)
    run.choices =
        s.pending.substr(static_cast<std::size_t>(consumed), newline - static_cast<std::size_t>(consumed));
  run.output = s.pending.substr(newline + 1, size);
  s.pending.erase(0, newline + 1 + size);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  return true;
}

// Waits until a busy server answers or times out; returns its finished run.
// A server that timed out or died is stopped (the caller restarts it); the
// runs queued behind the one it ran go to `orphans`, to be sent again.
// Once a signal interrupts the run (run_interrupt.hpp), halts every server
// and returns the answers they had sent, one a call, then nothing: the runs
// still at the head of the servers' queues are the schedules the signal
// stopped.
constexpr double kServerTimeoutGrace = 10;  // seconds

std::optional<schedule_run> wait_any(std::vector<server>& servers, double timeout,
                                     std::vector<schedule_run>& orphans) {
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<server*> owners;
    for (auto& s : servers) {
      if (s.runs.empty()) continue;
      fds.push_back(pollfd{s.from, POLLIN, 0});
      owners.push_back(&s);
    }
    fds.push_back(pollfd{run_interrupt::wake_fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 20);
    const bool interrupted = run_interrupt::received() != 0;
    if (interrupted) {
      // The servers first, so that what their pipes hold is all they sent:
      // every complete answer is taken, and a queue's head is then the
      // schedule the signal stopped (or the next one, not started yet).
      for (auto& s : servers) {
        if (s.pid < 0) continue;
        halt_server(s);
        char buffer[65536];
        for (ssize_t n; (n = ::read(s.from, buffer, sizeof buffer)) != 0;) {
          if (n > 0) s.pending.append(buffer, static_cast<std::size_t>(n));
          if (n < 0 && errno != EINTR) break;
        }
      }
      for (auto& s : servers) {
        if (s.runs.empty() || !take_answer(s, s.runs.front())) continue;
        schedule_run run = std::move(s.runs.front());
        s.runs.pop_front();
        return run;
      }
      return std::nullopt;
    }
    for (std::size_t i = 0; i < owners.size(); ++i) {
      server& s = *owners[i];
      bool ended = false;
      if ((fds[i].revents & (POLLIN | POLLHUP)) != 0) {
        char buffer[65536];
        const ssize_t n = ::read(s.from, buffer, sizeof buffer);
        if (n <= 0) ended = true;
        if (n > 0) s.pending.append(buffer, static_cast<std::size_t>(n));
      }
      schedule_run& head = s.runs.front();
      const double ran = std::chrono::duration<double>(steady::now() - head.started).count();
      if (take_answer(s, head)) {
        schedule_run run = std::move(head);
        s.runs.pop_front();
        if (!s.runs.empty()) s.runs.front().started = steady::now();
        // The server killed a child that neither ended nor reported its time
        // limit (explore_process.cpp): a timeout, its output kept.
        if (run.signal == SIGKILL && ran >= timeout) {
          run.signal = 0;
          run.timed_out = true;
        }
        return run;
      }
      // The child reports its own --timeout, and its server kills it 5 s
      // later (explore_process.cpp); this is for a server that answers
      // neither (stopped, or starved of CPU): its output is lost.
      const bool timed_out = ran > timeout + kServerTimeoutGrace;
      if (!ended && !timed_out) continue;
      schedule_run run = std::move(head);
      s.runs.pop_front();
      run.timed_out = timed_out;
      if (!timed_out) run.signal = SIGKILL;  // the server itself died
      for (auto& queued : s.runs) orphans.push_back(std::move(queued));
      s.runs.clear();
      stop_server(s);
      return run;
    }
  }
}

// The findings among a run's output lines (JSON Lines), rendered.
struct rendered_output {
  std::string text;                        // the output with findings as text reports
  std::vector<std::string> finding_lines;  // the findings' JSON lines
  std::string first_kind;
};

rendered_output render(const std::string& output) {
  rendered_output r;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() == '{') {
      const auto record = detector::parse_log_record(line);
      if (record) {
        if (const auto* f = std::get_if<detector::finding>(&*record.value)) {
          r.text += detector::render_text(*f, detector::text_options{});
          r.finding_lines.push_back(line);
          if (r.first_kind.empty()) r.first_kind = std::string(detector::to_string(f->kind));
          continue;
        }
        if (const auto* n = std::get_if<detector::notice>(&*record.value)) {
          r.text += detector::render_text(*n);
          continue;
        }
      }
    }
    r.text += line + "\n";
  }
  return r;
}

std::string describe(const schedule_run& run, const run_options& o) {
  if (run.timed_out) return fmt::format("it did not end within --timeout {} s", o.timeout);
  if (run.signal != 0) {
    const char* name = sigabbrev_np(run.signal);
    return fmt::format("the program died of signal {} (SIG{})", run.signal, name != nullptr ? name : "?");
  }
  if (run.exit_code == 66) return "concheck reported a finding (exit 66)";
  return fmt::format("the program exited with status {}", run.exit_code);
}

std::string shell_word(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+%@") ==
          std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string signal_name(int signal) {
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? fmt::format("SIG{}", name) : fmt::format("signal {}", signal);
}

// The strategy a schedule's token runs: `automatic` is pct and random in
// turn, and a bounded search runs decision lists.
std::string strategy_phase(const std::string& token, const run_options& o) {
  detail::explore::strategy_params params;
  std::string error;
  if (!detail::explore::parse_token(token, params, error)) return {};
  switch (params.kind) {
    case detail::explore::strategy_kind::pct:
      return "pct";
    case detail::explore::strategy_kind::random:
      return "random";
    default:
      return o.strategy == "delay" ? "delay" : "dfs";
  }
}

// Feeds a finished run's choices to the search: the run followed the
// search's prefix and then went on without preempting, as the search's
// default does, so each step is the search's own choice.
bool advance_search(detail::explore::strategy& search, const std::string& choices) {
  search.begin_schedule();
  std::istringstream steps(choices);
  std::uint64_t step = 0;
  for (std::string item; steps >> item; ++step) {
    const std::size_t slash = item.find('/');
    if (slash == std::string::npos) continue;
    // "<current>/<runnable>.<runnable>...|<timeout>.<timeout>..."
    const int current = std::atoi(item.c_str());
    const std::size_t bar = item.find('|', slash);
    std::vector<int> enabled;
    std::istringstream runnable_list(
        item.substr(slash + 1, bar == std::string::npos ? std::string::npos : bar - slash - 1));
    for (std::string t; std::getline(runnable_list, t, '.');) enabled.push_back(std::atoi(t.c_str()));
    const std::size_t runnable = enabled.size();
    if (bar != std::string::npos) {
      std::istringstream timeout_list(item.substr(bar + 1));
      for (std::string t; std::getline(timeout_list, t, '.');) enabled.push_back(std::atoi(t.c_str()));
    }
    if (!enabled.empty()) search.choose(enabled, runnable, current, step);
  }
  return search.end_schedule();
}

}  // namespace

int run_run_command(const std::vector<std::string>& args) {
  run_options o;
  if (const std::string error = parse(args, o); !error.empty()) {
    fmt::print(stderr, "concheck run: error: {}\nusage: concheck run {}\n", error, kRunArguments);
    return kExitUsageError;
  }
  if (o.help) {
    fmt::print("{}", kRunHelp);
    return 0;
  }
  // A program that carries the runtime linked in (STATIC) serves the
  // schedules with its own copy; preloading a second one would be refused.
  const bool own_runtime = carries_static_runtime(resolve_program(o.program[0]));
  const std::string preload = own_runtime ? std::string() : preload_library();
  if (preload.empty() && !own_runtime) {
    fmt::print(stderr,
               "concheck run: error: cannot find libconcheck_preload.so (set CONCHECK_PRELOAD_LIBRARY to its "
               "path)\n");
    return kExitUsageError;
  }
  run_interrupt::install();
  // The processes a killed server leaves are reparented here and reaped
  // (halt_server), not left to init.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::string program_line;
  for (const auto& word : o.program) program_line += " " + shell_word(word);
  const bool progress = ::isatty(STDERR_FILENO) != 0 && !o.json;
  const auto begun = steady::now();

  std::vector<std::uint64_t> indices;
  if (o.replay.empty()) {
    for (std::uint64_t i = o.shard_index; i < o.schedules; i += o.shard_count) indices.push_back(i);
  } else {
    indices.push_back(0);
  }
  std::uint64_t pct_steps = 0;
  // dfs and delay: a bounded search over runs, one at a time (each run's
  // choices decide the next run's prefix).
  const bool searching = o.replay.empty() && (o.strategy == "dfs" || o.strategy == "delay");
  std::unique_ptr<detail::explore::strategy> search;
  std::vector<std::uint16_t> prefix;
  bool exhausted = false;
  if (searching) {
    detail::explore::strategy_params params;
    params.kind = detail::explore::strategy_kind::dfs;
    params.preemption_bound = o.preemption_bound;
    params.count_delays = o.strategy == "delay";
    search = detail::explore::make_strategy(params);
  }
  std::vector<server> servers(o.replay.empty() && !searching ? o.jobs : 1);
  const auto stop_all = [&servers] {
    for (auto& s : servers) stop_server(s);
  };
  std::optional<schedule_run> failure;
  std::uint64_t passed = 0;
  std::size_t next = 0;
  bool stop = false;
  std::vector<schedule_run> orphans;  // queued at a server that died: sent again
  // A search decides each run from the previous one, and a replay is one
  // run: nothing to queue.
  const std::size_t depth = searching || !o.replay.empty() ? 1 : kQueueDepth;
  bool interrupted = false;
  for (;;) {
    // The first schedule runs alone: pct's k comes from it.
    const bool alone = passed == 0 && !failure;
    // Interrupted: nothing more is sent, the answers already sent are read.
    const std::size_t slots = run_interrupt::received() != 0 ? 0 : alone ? 1 : servers.size();
    for (std::size_t slot = 0; slot < slots; ++slot) {
      server& s = servers[slot];
      while (s.runs.size() < (alone ? 1 : depth)) {
        if (!stop && o.time_limit > 0 &&
            std::chrono::duration<double>(steady::now() - begun).count() >= o.time_limit)
          stop = true;
        if (failure) std::erase_if(orphans, [&](const schedule_run& r) { return r.index > failure->index; });
        if (orphans.empty() && (stop || next >= indices.size())) break;
        if (s.pid < 0) {
          if (const std::string error = start_server(o, preload, s, cpu_for(slot)); !error.empty()) {
            if (run_interrupt::received() != 0) break;
            stop_all();
            fmt::print(stderr, "concheck run: error: {}\n", error);
            return kExitUsageError;
          }
        }
        schedule_run run;
        if (!orphans.empty()) {
          const auto lowest = std::min_element(
              orphans.begin(), orphans.end(), [](const auto& x, const auto& y) { return x.index < y.index; });
          run.index = lowest->index;
          run.token = std::move(lowest->token);
          orphans.erase(lowest);
        } else {
          run.index = indices[next++];
          if (searching) {
            detail::explore::strategy_params list;
            list.kind = detail::explore::strategy_kind::replay;
            run.token = detail::explore::make_token(list, prefix);
          } else {
            run.token = o.replay.empty() ? token_for(o, run.index, pct_steps) : o.replay;
          }
        }
        if (const std::string error = dispatch(s, std::move(run)); !error.empty()) {
          stop_all();
          fmt::print(stderr, "concheck run: error: {}\n", error);
          return kExitUsageError;
        }
      }
    }
    const bool busy =
        std::any_of(servers.begin(), servers.end(), [](const server& s) { return !s.runs.empty(); });
    if (!busy) {
      interrupted = run_interrupt::received() != 0;
      break;
    }
    std::optional<schedule_run> answered = wait_any(servers, o.timeout, orphans);
    if (!answered) {
      interrupted = true;
      break;
    }
    schedule_run done = std::move(*answered);
    if (done.exit_code == 2 &&
        done.output.find("CONCHECK_EXPLORE_SCHEDULE: malformed replay token") != std::string::npos) {
      stop_all();
      fmt::print(stderr, "concheck run: error: {}", done.output.substr(done.output.find("malformed")));
      return kExitUsageError;
    }
    if (failure && done.index > failure->index) continue;  // queued before the failure was known
    if (done.failed()) {
      failure = std::move(done);
      stop = true;
    } else {
      ++passed;
      if (pct_steps == 0) pct_steps = done.steps;
      if (searching) {
        if (advance_search(*search, done.choices)) {
          prefix = detail::explore::search_prefix(*search);
        } else {
          exhausted = true;
          stop = true;
        }
      }
    }
    // After a failure, schedules with a higher index are abandoned; lower
    // ones finish (the failure reported is the lowest failing index, as with
    // --jobs 1). A server's queue holds increasing indices.
    if (failure) {
      for (auto& s : servers) {
        if (!s.runs.empty() && s.runs.front().index > failure->index) {
          s.runs.clear();
          stop_server(s);
        }
      }
    }
    if (progress) fmt::print(stderr, "\rconcheck run: {} of {} schedules passed", passed, indices.size());
  }
  // Interrupted: the schedule each server was running when the signal came
  // (the ones queued behind it had not started).
  std::vector<schedule_run> running;
  if (interrupted) {
    for (auto& s : servers) {
      if (!s.runs.empty()) running.push_back(std::move(s.runs.front()));
    }
    std::sort(running.begin(), running.end(), [](const auto& x, const auto& y) { return x.index < y.index; });
  }
  stop_all();
  if (progress) fmt::print(stderr, "\r{:60}\r", "");
  const double seconds = std::chrono::duration<double>(steady::now() - begun).count();
  const std::uint64_t ran = passed + (failure ? 1 : 0);
  const int signal = run_interrupt::received();
  // The run-summary record's fields for an interrupted run.
  std::string interruption;
  if (interrupted) {
    std::string list;
    for (const auto& r : running)
      list += fmt::format("{}{{\"schedule\":{},\"replay\":{}}}", list.empty() ? "" : ",", r.index,
                          json_string(r.token));
    interruption =
        fmt::format(",\"interrupted\":{},\"running\":[{}]", json_string(signal_name(signal)), list);
  }

  if (!failure) {
    if (o.json) {
      fmt::print(
          "{{\"schema_version\":1,\"record\":\"run-summary\",\"schedules\":{},\"failed\":false{},"
          "\"seconds\":{:.3f}}}\n",
          passed, interruption, seconds);
    } else if (!interrupted) {
      fmt::print("concheck run: all {} schedules passed ({} strategy{}, seed {}, {} job{}, {:.2f} s)\n",
                 passed, o.replay.empty() ? o.strategy : "replay",
                 exhausted ? fmt::format(": every schedule within {} {}", o.preemption_bound,
                                         o.strategy == "delay" ? "delays" : "preemptions")
                           : "",
                 o.seed, servers.size(), servers.size() == 1 ? "" : "s", seconds);
    }
  } else {
    const rendered_output shown = render(failure->output);
    const std::string why = describe(*failure, o);
    const std::string replay_command =
        fmt::format("concheck run --replay {} --{}", failure->token, program_line);
    if (o.json) {
      for (const auto& line : shown.finding_lines) fmt::print("{}\n", line);
      if (shown.finding_lines.empty()) {
        // No finding of concheck's: the program failed by itself.
        detector::finding f;
        f.kind = failure->timed_out     ? detector::finding_kind::step_bound_exceeded
                 : failure->signal != 0 ? detector::finding_kind::crash
                                        : detector::finding_kind::assertion_failure;
        f.message = fmt::format("schedule {}: {}", failure->index, why);
        f.replay = failure->token;
        fmt::print("{}\n", detector::render_json(f));
      }
      fmt::print(
          "{{\"schema_version\":1,\"record\":\"run-summary\",\"schedules\":{},\"failed\":true,"
          "\"schedule\":{},\"replay\":{},\"message\":{}{},\"seconds\":{:.3f}}}\n",
          ran, failure->index, json_string(failure->token), json_string(why), interruption, seconds);
    } else {
      fmt::print("{}", shown.text);
      fmt::print("concheck run: schedule {} failed after {} passed: {}\nReplay it:\n  {}\n", failure->index,
                 passed, why, replay_command);
    }
  }
  if (signal == 0) return failure ? 1 : 0;
  if (interrupted) {
    // Everything the run found went to stdout above, as in a run that was
    // not interrupted; what the interruption stopped goes to stderr.
    std::fflush(stdout);
    const std::string phase = running.empty() ? std::string() : strategy_phase(running.front().token, o);
    fmt::print(stderr,
               "concheck run: interrupted by {} after {} of {} schedules: {} passed, {} failed ({} "
               "strategy{}, seed {}, {} job{}, {:.2f} s)\n",
               signal_name(signal), ran, indices.size(), passed, failure ? 1 : 0,
               o.replay.empty() ? o.strategy : "replay",
               phase.empty() || phase == o.strategy ? "" : ", phase " + phase, o.seed, servers.size(),
               servers.size() == 1 ? "" : "s", seconds);
    if (running.empty()) {
      fmt::print(stderr, "concheck run: no schedule was running\n");
    } else {
      std::string numbers;
      for (std::size_t i = 0; i < running.size(); ++i)
        numbers += fmt::format("{}{}",
                               i == 0                    ? ""
                               : i + 1 == running.size() ? " and "
                                                         : ", ",
                               running[i].index);
      fmt::print(stderr, "concheck run: interrupted by {} during schedule{} {}; replay {}:\n",
                 signal_name(signal), running.size() == 1 ? "" : "s", numbers,
                 running.size() == 1 ? "it" : "them");
      for (const auto& r : running)
        fmt::print(stderr, "  concheck run --replay {} --{}\n", r.token, program_line);
    }
  }
  return run_interrupt::end_by_signal(signal);
}

}  // namespace concheck::cli
