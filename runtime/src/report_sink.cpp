// Where findings go: dedup, suppressions, rendering, the log file, listeners
// and the fatal exit. See report_sink.hpp for the contract.
#include "report_sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "concheck/detector/finding_key.hpp"
#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/render.hpp"
#include "concheck/detector/suppressions.hpp"
#include "explore_scheduler.hpp"
#include "real_functions.hpp"
#include "registry_dump.hpp"
#include "stack_depot.hpp"

namespace concheck::detail {
namespace {

struct sink_state {
  bool configured = false;
  options config;
  int log_fd = -1;         // -1: not opened yet
  int log_fd_pid = 0;      // the process that opened it (a forked child reopens)
  bool log_owned = false;  // we opened it (a file), so we may close it
  std::unordered_set<std::string> keys;
  std::optional<detector::suppressions> rules;
  bool summary_registered = false;
  std::vector<finding_listener> listeners;
  std::vector<report_listener> report_listeners;
  std::string current_test;
  bool depot_warned = false;  // the stack-store-full warning was written
  std::uint64_t dumps = 0;    // thread dumps written so far
};

// Everything here is constant-initialized, so it works before this file's
// dynamic initializers have run (get_options() runs from a load-time
// constructor and loads suppressions into the sink).
constinit internal_lock g_lock{lock_rank::report_sink};  // guards the sink_state
constinit sink_state* g_state_ptr = nullptr;             // created on first use, never destroyed
constinit std::atomic<std::size_t> g_reported{0};
// Reports whose listeners are still running (they print outside g_lock), and
// whether a thread has started ending the process. Two threads of one
// deadlock both find its cycle: the one that did not report must not end
// the process while the one that did is still printing (a gtest listener's
// "[ concheck ] <test>" line was lost that way).
constinit std::atomic<int> g_listeners_running{0};
constinit std::atomic<bool> g_ending{false};

// Waits until every report's listeners have run, for a few seconds at most
// (a listener that never returns must not keep a deadlocked process alive).
void await_listeners() {
  constexpr int max_polls = 5000;  // x 1 ms
  for (int poll = 0; poll < max_polls && g_listeners_running.load(std::memory_order_acquire) > 0; ++poll) {
    const timespec one_ms{0, 1000000};
    real.clock_nanosleep(CLOCK_MONOTONIC, 0, &one_ms, nullptr);  // not a (virtual) sleep of the program's
  }
}

sink_state& state_locked() {
  if (g_state_ptr == nullptr) g_state_ptr = new sink_state();
  return *g_state_ptr;
}

// False (errno set) if not everything could be written.
bool write_all(int fd, std::string_view text) noexcept {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ENOSPC;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void configure_locked(const options& config) {
  sink_state& state = state_locked();
  state.config = config;
  state.configured = true;
  if (state.log_owned && state.log_fd >= 0) ::close(state.log_fd);
  state.log_fd = -1;
  state.log_owned = false;
}

// `process_options` is get_options(), fetched by the caller before taking
// g_lock: parsing them may load suppressions, which takes g_lock.
void ensure_configured_locked(const options& process_options) {
  if (!state_locked().configured) configure_locked(process_options);
}

// The log's file descriptor: stderr, stdout, or `<log_path>.<pid>` opened on
// first use (and again in a forked child, so each process has its own file).
int log_fd_locked() {
  sink_state& state = state_locked();
  const int pid = static_cast<int>(::getpid());
  if (state.log_fd >= 0 && (!state.log_owned || state.log_fd_pid == pid)) return state.log_fd;
  if (state.log_owned && state.log_fd >= 0) ::close(state.log_fd);
  state.log_owned = false;
  state.log_fd_pid = pid;
  const std::string& prefix = state.config.log_path;
  if (prefix.empty() || prefix == "stderr") {
    state.log_fd = STDERR_FILENO;
  } else if (prefix == "stdout") {
    state.log_fd = STDOUT_FILENO;
  } else {
    const std::string path = fmt::format("{}.{}", prefix, pid);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      state.log_fd = fd;
      state.log_owned = true;
    } else {
      const int error = errno;
      state.log_fd = STDERR_FILENO;
      write_all(STDERR_FILENO, fmt::format("concheck: warning: cannot open log file '{}': {}; "
                                           "writing reports to stderr\n",
                                           path, std::strerror(error)));
    }
  }
  return state.log_fd;
}

// Writes to the log; if the log cannot take it (a full disk, stdout on
// /dev/full, a closed pipe), warns once on stderr and from then on writes the
// reports to stderr, this one included, so no report is lost silently.
void write_log_locked(std::string_view text) {
  sink_state& state = state_locked();
  const int fd = log_fd_locked();
  if (write_all(fd, text) || fd == STDERR_FILENO) return;
  const int error = errno;
  const std::string& path = state.config.log_path;
  write_all(STDERR_FILENO,
            fmt::format("concheck: warning: cannot write to the log ({}): {}; writing reports to "
                        "stderr\n",
                        path.empty() ? "stderr" : path, std::strerror(error)));
  if (state.log_owned) ::close(state.log_fd);
  state.log_fd = STDERR_FILENO;
  state.log_owned = false;
  write_all(STDERR_FILENO, text);
}

bool use_color_locked(int fd) {
  const sink_state& state = state_locked();
  switch (state.config.color) {
    case color_mode::always:
      return true;
    case color_mode::never:
      return false;
    case color_mode::auto_:
      break;
  }
  return ::isatty(fd) == 1;
}

// A warning or note that is not a finding, in the log's format: a line of text,
// or a JSON Lines record of its own kind so the log stays valid JSON Lines.
void write_notice_locked(std::string_view level, const std::string& message) {
  const sink_state& state = state_locked();
  if (state.config.format == report_format::json) {
    write_log_locked(detector::render_json_notice("notice", level, message, static_cast<int>(::getpid())) +
                     "\n");
  } else {
    write_log_locked(detector::render_text(detector::notice{std::string(level), message, 0}));
  }
}

// The suppressions summary ("concheck: suppressed 2 findings: ...\n"): as is in
// a text log, as a note in a JSON log.
void write_summary_locked(const std::string& summary) {
  if (summary.empty()) return;
  if (state_locked().config.format != report_format::json) {
    write_log_locked(summary);
    return;
  }
  std::string_view message = summary;
  if (message.starts_with("concheck: ")) message.remove_prefix(10);
  if (message.ends_with('\n')) message.remove_suffix(1);
  write_notice_locked("note", std::string(message));
}

// Once per process, before the first report whose stacks may be cut short.
void warn_if_stacks_lost_locked() {
  sink_state& state = state_locked();
  if (state.depot_warned) return;
  const stack_depot_stats stats = get_stack_depot_stats();
  if (stats.truncated == 0 && stats.dropped == 0) return;
  state.depot_warned = true;
  write_notice_locked("warning",
                      fmt::format("the stack store is full ({} distinct stacks): stacks captured since "
                                  "keep only their {} innermost frames ({} so far), or none ({} so "
                                  "far); reports may show fewer frames",
                                  stats.stacks, kReserveDepth, stats.truncated, stats.dropped));
}

std::string summary_locked() {
  const sink_state& state = state_locked();
  return state.rules ? state.rules->summary() : std::string();
}

void write_summary_at_exit() {
  const options& process_options = get_options();
  internal_guard guard(g_lock);
  ensure_configured_locked(process_options);
  write_summary_locked(summary_locked());
}

// Flushes what the program itself buffered in stdio, without waiting for a
// stream lock that a stuck thread may hold, then ends the process.
[[noreturn]] void end_process(int exitcode) {
  for (FILE* stream : {stdout, stderr}) {
    if (::ftrylockfile(stream) == 0) {
      std::fflush(stream);
      ::funlockfile(stream);
    }
  }
  ::_exit(exitcode);
}

// fork(): the child has only the forking thread. If another thread was in the
// middle of a report, the sink's state may be half-updated: the child starts
// from a fresh state (the old one is leaked; suppressions are read again)
// rather than risk a crash; at worst it repeats a report the parent already
// made, and listeners registered before the fork are not called in it. No prepare handler: a
// thread holding this lock never waits for another lock, but one holding a
// runtime lock may wait for this one, so taking it before fork could deadlock.
void sink_after_fork_in_child() {
  // (A log file the parent opened is reopened as <log_path>.<child pid> on the
  // child's first write: log_fd_locked compares pids.)
  if (!g_lock.reset_after_fork()) return;
  g_state_ptr = nullptr;
  g_listeners_running.store(0, std::memory_order_relaxed);
  g_ending.store(false, std::memory_order_relaxed);
  const options& process_options = get_options();
  if (!process_options.suppressions.empty()) {
    // Read at start already, so this fails only if the file went away since.
    const std::string error = load_suppressions_file(process_options.suppressions);
    if (!error.empty()) write_all(STDERR_FILENO, fmt::format("concheck: warning: after fork: {}\n", error));
  }
}

[[gnu::constructor]] void register_fork_handler() {
  ::pthread_atfork(nullptr, nullptr, sink_after_fork_in_child);
}

}  // namespace

bool emit_finding(detector::finding finding, severity how) {
  // Rendering and writing the report is no spin for explore's stall watch.
  const explore::report_scope reporting;
  finding.pid = static_cast<int>(::getpid());
  // Explore's process mode (`concheck run`): every finding fails the
  // schedule, which is the whole process, and names it.
  if (const char* token = explore::process_token()) {
    finding.replay = token;
    how = severity::fatal;
  }
  std::string text_report;
  std::vector<finding_listener> listeners;
  std::vector<report_listener> report_listeners;
  bool reported = false;
  bool logged = false;
  int exitcode = 0;
  bool halt = false;
  const options& process_options = get_options();
  {
    internal_guard guard(g_lock);
    ensure_configured_locked(process_options);
    sink_state& state = state_locked();
    if (finding.test.empty()) finding.test = state.current_test;
    exitcode = state.config.exitcode;
    halt = how == severity::fatal;
    if (explore::controlled() && explore::process_token() == nullptr) {
      // Explore mode: the finding fails the schedule, which reports it with
      // its replay token (explore.cpp); nothing is logged or deduplicated
      // here, so the replay of the schedule meets it again.
      if (!(state.rules && state.rules->match(finding))) explore::capture_finding(finding);
      return true;
    }
    const std::string key = detector::finding_key(finding);
    if (state.keys.count(key) != 0) {
      // Already reported.
    } else if (state.rules && state.rules->match(finding)) {
      // Suppressed; counted for the summary once, as a report is printed
      // once: two threads of one deadlock can each find its cycle.
      state.keys.insert(key);
    } else {
      state.keys.insert(key);
      warn_if_stacks_lost_locked();
      const options& config = state.config;
      halt = halt || config.halt_on_error;
      const detector::text_options plain{false, config.show_internal_frames, config.max_frames};
      text_report = detector::render_text(finding, plain);
      // Printed once: a report listener shows it unless the process ends now,
      // or the user asked for a log of their own.
      logged = state.report_listeners.empty() || halt || config.format == report_format::json ||
               !config.log_path.empty();
      if (logged) {
        const int fd = log_fd_locked();
        if (config.format == report_format::json) {
          write_log_locked(detector::render_json(finding) + "\n");
        } else if (use_color_locked(fd)) {
          detector::text_options colored = plain;
          colored.color = true;
          write_log_locked(detector::render_text(finding, colored));
        } else {
          write_log_locked(text_report);
        }
      }
      g_reported.fetch_add(1, std::memory_order_relaxed);
      listeners = state.listeners;
      report_listeners = state.report_listeners;
      reported = true;
      g_listeners_running.fetch_add(1, std::memory_order_acq_rel);
    }
    if (halt && !reported) {
      write_notice_locked("note", fmt::format("{} ({}) already reported or suppressed; ending the process "
                                              "(its threads cannot continue)",
                                              detector::to_string(finding.kind), finding.message));
    }
  }
  for (const finding_listener& listener : listeners) {
    // A listener's exception must not escape into the lock hook that called us.
    try {
      listener(finding, text_report);
    } catch (...) {
      write_all(STDERR_FILENO, "concheck: warning: a finding listener threw; ignored\n");
    }
  }
  for (const report_listener& listener : report_listeners) {
    try {
      listener(finding, text_report, logged);
    } catch (...) {
      write_all(STDERR_FILENO, "concheck: warning: a finding listener threw; ignored\n");
    }
  }
  if (reported) g_listeners_running.fetch_sub(1, std::memory_order_acq_rel);
  if (halt) {
    // One thread ends the process; another that halts meanwhile waits for it.
    if (g_ending.exchange(true, std::memory_order_acq_rel)) {
      for (;;) ::pause();
    }
    await_listeners();
    {
      internal_guard guard(g_lock);
      write_summary_locked(summary_locked());
    }
    end_process(exitcode);
  }
  return reported;
}

void add_finding_listener(finding_listener listener) {
  internal_guard guard(g_lock);
  state_locked().listeners.push_back(std::move(listener));
}

void add_report_listener(report_listener listener) {
  internal_guard guard(g_lock);
  state_locked().report_listeners.push_back(std::move(listener));
}

void set_current_test(std::string name) {
  internal_guard guard(g_lock);
  state_locked().current_test = std::move(name);
}

std::size_t reported_count() noexcept {
  return g_reported.load(std::memory_order_relaxed);
}

void emit_notice(std::string_view level, const std::string& message) {
  const options& process_options = get_options();
  internal_guard guard(g_lock);
  ensure_configured_locked(process_options);
  write_notice_locked(level, message);
}

void emit_thread_dump(std::vector<detector::dumped_thread> threads) {
  const options& process_options = get_options();
  internal_guard guard(g_lock);
  ensure_configured_locked(process_options);
  sink_state& state = state_locked();
  const std::uint64_t number = ++state.dumps;
  const int pid = static_cast<int>(::getpid());
  std::string text;
  if (state.config.format == report_format::json) {
    for (detector::dumped_thread& t : threads) {
      t.pid = pid;
      t.dump = number;
      text += detector::render_json(t);
      text += '\n';
    }
  } else {
    text = render_thread_dump_text(threads);
  }
  write_log_locked(text);
}

void emit_access_summary(std::vector<detector::accessed_location> locations) {
  const options& process_options = get_options();
  internal_guard guard(g_lock);
  ensure_configured_locked(process_options);
  sink_state& state = state_locked();
  const int pid = static_cast<int>(::getpid());
  std::string text;
  if (state.config.format == report_format::json) {
    for (std::size_t i = 0; i < locations.size(); ++i) {
      locations[i].pid = pid;
      locations[i].index = i;
      locations[i].count = locations.size();
      text += detector::render_json(locations[i]);
      text += '\n';
    }
  } else {
    text = std::string(detector::kAccessSummaryHeader);
    if (locations.empty()) text += "  (no global or heap memory touched by instrumented code)\n";
    for (const detector::accessed_location& location : locations) text += detector::render_text(location);
  }
  write_log_locked(text);
}

std::string load_suppressions_file(const std::string& path) {
  // Read with syscalls: this runs before main, possibly before iostreams exist.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot read suppressions file '{}': {}", path, std::strerror(errno));
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return fmt::format("cannot read suppressions file '{}': {}", path, std::strerror(error));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  detector::suppressions::parse_result parsed = detector::suppressions::parse(text, path);
  if (!parsed) return fmt::format("invalid suppressions file: {}", parsed.error);
  internal_guard guard(g_lock);
  sink_state& state = state_locked();
  state.rules = std::move(*parsed.value);
  if (!state.summary_registered) {
    state.summary_registered = true;
    std::atexit(write_summary_at_exit);
  }
  return {};
}

void configure_report_sink(const options& config) {
  internal_guard guard(g_lock);
  configure_locked(config);
}

std::string suppressions_summary() {
  internal_guard guard(g_lock);
  return summary_locked();
}

}  // namespace concheck::detail
