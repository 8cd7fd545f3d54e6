// The option table and its parser. Each option is declared exactly once, in
// kOptionTable below; parsing, help=1 and docs/options.md all read the table,
// and defaults are shown by formatting a default-constructed `options`, so the
// documentation cannot disagree with the code.
#include "options.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

#include "concheck/detector/render.hpp"
#include "report_sink.hpp"
#include "runtime_copies.hpp"
#include "site_frames.hpp"

namespace concheck::detail {
namespace {

// Sets one option from its textual value; returns "" or what is wrong with the value.
using setter = std::string (*)(std::string_view name, std::string_view value, options& out);
// The option's current value as it would be written in CONCHECK_OPTIONS.
using getter = std::string (*)(const options& in);

struct option_spec {
  std::string_view name;
  std::string_view type;  // as shown to users: bool, int, path, text|json ...
  std::string_view description;
  setter set;
  getter get;
};

std::string parse_bool_value(std::string_view name, std::string_view value, bool& out) {
  if (value == "1" || value == "true") {
    out = true;
  } else if (value == "0" || value == "false") {
    out = false;
  } else {
    return fmt::format("option '{}' expects a boolean (0, 1, true or false), got '{}'", name, value);
  }
  return {};
}

std::string parse_int_value(std::string_view name, std::string_view value, int min, int max, int& out) {
  int parsed = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
  if (value.empty() || ec != std::errc{} || ptr != end || parsed < min || parsed > max) {
    return fmt::format("option '{}' expects an integer in [{}, {}], got '{}'", name, min, max, value);
  }
  out = parsed;
  return {};
}

template <bool options::*Member>
constexpr setter bool_setter() {
  return [](std::string_view name, std::string_view value, options& out) {
    return parse_bool_value(name, value, out.*Member);
  };
}
template <bool options::*Member>
constexpr getter bool_getter() {
  return [](const options& in) { return std::string(in.*Member ? "1" : "0"); };
}

template <int options::*Member, int Min, int Max>
constexpr setter int_setter() {
  return [](std::string_view name, std::string_view value, options& out) {
    return parse_int_value(name, value, Min, Max, out.*Member);
  };
}
template <int options::*Member>
constexpr getter int_getter() {
  return [](const options& in) { return fmt::format("{}", in.*Member); };
}

template <std::string options::*Member>
constexpr setter path_setter() {
  return [](std::string_view, std::string_view value, options& out) {
    out.*Member = std::string(value);
    return std::string();
  };
}
template <std::string options::*Member>
constexpr getter path_getter() {
  return [](const options& in) { return in.*Member; };
}

// A signal a handler can be installed for and that nothing else owns: not
// SIGKILL/SIGSTOP (uncatchable), not the crash signals, not SIGCONT/SIGTSTP-like
// job control, not glibc's reserved 32/33 (SIGCANCEL, SIGSETXID).
std::string set_dump_threads_signal(std::string_view name, std::string_view value, options& out) {
  int sig = 0;
  std::string error = parse_int_value(name, value, 0, SIGRTMAX, sig);
  if (!error.empty()) return error;
  const bool usable = sig == 0 || (sig >= SIGRTMIN && sig <= SIGRTMAX) || sig == SIGUSR1 || sig == SIGUSR2 ||
                      sig == SIGQUIT || sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGALRM ||
                      sig == SIGPROF || sig == SIGVTALRM || sig == SIGWINCH || sig == SIGURG ||
                      sig == SIGPWR || sig == SIGIO || sig == SIGXCPU || sig == SIGXFSZ || sig == SIGTTIN ||
                      sig == SIGTTOU;
  if (!usable) {
    return fmt::format(
        "option '{}': signal {} cannot be used (uncatchable, a crash or job-control signal, or reserved by "
        "glibc); use SIGUSR1 ({}), SIGUSR2 ({}), SIGQUIT ({}) or a real-time signal {}..{}",
        name, sig, SIGUSR1, SIGUSR2, SIGQUIT, SIGRTMIN, SIGRTMAX);
  }
  out.dump_threads_signal = sig;
  return {};
}

std::string set_format(std::string_view name, std::string_view value, options& out) {
  if (value == "text") {
    out.format = report_format::text;
  } else if (value == "json") {
    out.format = report_format::json;
  } else {
    return fmt::format("option '{}' expects text or json, got '{}'", name, value);
  }
  return {};
}
std::string get_format(const options& in) {
  return in.format == report_format::json ? "json" : "text";
}

std::string set_color(std::string_view name, std::string_view value, options& out) {
  if (value == "auto") {
    out.color = color_mode::auto_;
  } else if (value == "always") {
    out.color = color_mode::always;
  } else if (value == "never") {
    out.color = color_mode::never;
  } else {
    return fmt::format("option '{}' expects auto, always or never, got '{}'", name, value);
  }
  return {};
}
std::string get_color(const options& in) {
  switch (in.color) {
    case color_mode::always:
      return "always";
    case color_mode::never:
      return "never";
    case color_mode::auto_:
      break;
  }
  return "auto";
}

std::string set_wrapper_functions(std::string_view name, std::string_view value, options& out) {
  std::string error = validate_wrapper_patterns(value);
  if (!error.empty()) return fmt::format("option '{}': {}", name, error);
  out.wrapper_functions = std::string(value);
  return {};
}

std::string set_explore_strategy(std::string_view name, std::string_view value, options& out) {
  if (value != "" && value != "automatic" && value != "random" && value != "pct" && value != "dfs" &&
      value != "delay")
    return fmt::format("option '{}' expects automatic, random, pct, dfs or delay, got '{}'", name, value);
  out.explore_strategy = std::string(value);
  return {};
}

std::string set_explore_seed(std::string_view name, std::string_view value, options& out) {
  std::uint64_t seed = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
  if (!value.empty() && (ec != std::errc{} || ptr != value.data() + value.size()))
    return fmt::format("option '{}' expects an unsigned 64-bit integer, got '{}'", name, value);
  out.explore_seed = std::string(value);
  return {};
}

constexpr std::string_view kAccessModes[] = {"none", "atomics", "shared", "all"};

std::string set_explore_access_points(std::string_view name, std::string_view value, options& out) {
  for (std::size_t i = 0; i < std::size(kAccessModes); ++i) {
    if (value == kAccessModes[i]) {
      out.explore_access_points = static_cast<explore_access_mode>(i);
      return {};
    }
  }
  return fmt::format("option '{}' expects none, atomics, shared or all, got '{}'", name, value);
}

std::string get_explore_access_points(const options& in) {
  return std::string(kAccessModes[static_cast<std::size_t>(in.explore_access_points)]);
}

// THE table. Keep entries in the order users should read them.
const std::array<option_spec, 27> kOptionTable{{
    {"log_path", "path",
     "Where reports go: empty or `stderr` for standard error, `stdout`, or a file prefix; "
     "reports then go to `<log_path>.<pid>`. An unwritable path falls back to stderr with one warning.",
     path_setter<&options::log_path>(), path_getter<&options::log_path>()},
    {"format", "text|json",
     "Report format: `text` for people, `json` for one JSON object per line (JSON Lines): findings, "
     "notices and thread dumps (docs/report-format.md).",
     set_format, get_format},
    {"exitcode", "int",
     "Exit status of the process after a fatal finding (a real deadlock) or with halt_on_error.",
     int_setter<&options::exitcode, 0, 255>(), int_getter<&options::exitcode>()},
    {"halt_on_error", "bool", "End the process with `exitcode` after the first reported finding.",
     bool_setter<&options::halt_on_error>(), bool_getter<&options::halt_on_error>()},
    {"suppressions", "path",
     "File of `kind:pattern` lines (`kind` or `*`; `pattern` a glob matched against the function, file and "
     "module names of the finding's frames); a matching finding is not reported. Matched rules are "
     "summarized at exit. An unreadable or malformed file stops the program at start.",
     path_setter<&options::suppressions>(), path_getter<&options::suppressions>()},
    {"color", "auto|always|never", "Colour in text reports; `auto` colours only when the log is a terminal.",
     set_color, get_color},
    {"deadlock_grace_ms", "int",
     "When every live thread has been blocked this long on waits with no timeout, report a deadlock.",
     int_setter<&options::deadlock_grace_ms, 1, 3600000>(), int_getter<&options::deadlock_grace_ms>()},
    {"outside_waker_grace_ms", "int",
     "When every live thread is blocked but something concheck cannot see may still wake one (a signal "
     "handler, a thread it did not create, another process through a process-shared object), warn once "
     "after this long instead of ending the program.",
     int_setter<&options::outside_waker_grace_ms, 1, 86400000>(),
     int_getter<&options::outside_waker_grace_ms>()},
    {"stack_depth", "int", "Frames captured per stack (at most 256); 0 disables stack capture.",
     int_setter<&options::stack_depth, 0, kMaxStackDepth>(), int_getter<&options::stack_depth>()},
    {"show_internal_frames", "bool", "Show frames inside concheck and the standard library in text reports.",
     bool_setter<&options::show_internal_frames>(), bool_getter<&options::show_internal_frames>()},
    {"max_frames", "int", "User frames printed per stack in text reports; 0 prints all.",
     int_setter<&options::max_frames, 0, kMaxStackDepth>(), int_getter<&options::max_frames>()},
    {"wrapper_functions", "patterns",
     "Comma-separated globs (`*` matches any run) naming more lock wrapper functions, matched against a "
     "frame's qualified function name and each tail of it (`Spinlock*Grab` matches "
     "`base::Spinlock::Grab`); write `*` for `::`, since `:` separates options. A report's sites point "
     "at the first frame above the wrappers: see docs/reading-reports.md for the built-in rule.",
     set_wrapper_functions, path_getter<&options::wrapper_functions>()},
    {"dump_threads_signal", "int",
     "Signal number that prints every thread with its held locks and its wait; 0 for none. Uncatchable, "
     "crash, "
     "stop and glibc-reserved signals (9, 19, 32, 33, ...) are refused.",
     set_dump_threads_signal, int_getter<&options::dump_threads_signal>()},
    {"report_thread_leaks", "bool", "Report threads never joined nor detached at exit (thread-not-joined).",
     bool_setter<&options::report_thread_leaks>(), bool_getter<&options::report_thread_leaks>()},
    {"access_summary", "bool",
     "Race detection (docs/race.md): at exit, list every global and heap block instrumented code touched and "
     "how it was shared: thread-local, partitioned, locked (naming the lock), synchronized or racy.",
     bool_setter<&options::access_summary>(), bool_getter<&options::access_summary>()},
    {"help", "bool", "Print this table to stderr at start and continue.", bool_setter<&options::help>(),
     bool_getter<&options::help>()},
    {"explore_strategy", "automatic|random|pct|dfs|delay",
     "Explore mode (docs/explore.md): the strategy, overriding the program's; empty keeps the program's.",
     set_explore_strategy, path_getter<&options::explore_strategy>()},
    {"explore_schedules", "int", "Explore mode: schedules to run; 0 keeps the program's.",
     int_setter<&options::explore_schedules, 0, 1000000000>(), int_getter<&options::explore_schedules>()},
    {"explore_seed", "uint64", "Explore mode: the seed of random and pct; empty keeps the program's.",
     set_explore_seed, path_getter<&options::explore_seed>()},
    {"explore_time_limit_ms", "int", "Explore mode: stop exploring after this long; 0 keeps the program's.",
     int_setter<&options::explore_time_limit_ms, 0, 2000000000>(),
     int_getter<&options::explore_time_limit_ms>()},
    {"explore_step_bound", "int",
     "Explore mode: scheduling points without progress (yields, failed try-locks, timeouts, repeated polls "
     "of one atomic) a schedule may take before it fails as step-bound-exceeded (a livelock); 0 keeps the "
     "program's (100000).",
     int_setter<&options::explore_step_bound, 0, 2000000000>(), int_getter<&options::explore_step_bound>()},
    {"explore_max_steps", "int",
     "Explore mode: scheduling points in all a schedule may take before it fails as step-bound-exceeded (a "
     "thread that never ends); 0 keeps the program's (100000000).",
     int_setter<&options::explore_max_steps, 0, 2000000000>(), int_getter<&options::explore_max_steps>()},
    {"explore_stall_ms", "int",
     "Explore mode: time a controlled thread may run or block without reaching a scheduling point before "
     "the schedule fails as step-bound-exceeded, counting its CPU time, and real time while it sleeps (a "
     "pipe, a socket), not time the machine does not run it (load, disk waits); 0 keeps the program's "
     "(5000).",
     int_setter<&options::explore_stall_ms, 0, 2000000000>(), int_getter<&options::explore_stall_ms>()},
    {"explore_schedule_timeout_ms", "int",
     "Explore mode, one schedule per process (concheck run, which sets it from --timeout): real time a "
     "schedule may take before it fails as step-bound-exceeded, saying how far it got, with the program's "
     "output so far; 0 for no limit.",
     int_setter<&options::explore_schedule_timeout_ms, 0, 2000000000>(),
     int_getter<&options::explore_schedule_timeout_ms>()},
    {"explore_pct_depth", "int", "Explore mode: the depth of pct (1..64); 0 keeps the program's.",
     int_setter<&options::explore_pct_depth, 0, 64>(), int_getter<&options::explore_pct_depth>()},
    {"explore_preemption_bound", "int",
     "Explore mode: the preemptions dfs (the delays delay) allows per schedule; -1 keeps the program's.",
     int_setter<&options::explore_preemption_bound, -1, 1000>(),
     int_getter<&options::explore_preemption_bound>()},
    {"explore_access_points", "none|atomics|shared|all",
     "Explore mode with race detection (docs/race.md): which instrumented accesses are scheduling points: "
     "atomics only, atomics and variables already seen shared by two threads, or every access.",
     set_explore_access_points, get_explore_access_points},
}};

// Levenshtein distance, for "did you mean". Names are short, so O(n*m) is fine.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_option_message(std::string_view key) {
  std::string_view best;
  std::size_t best_distance = 3;  // suggest only names within two edits
  for (const option_spec& spec : kOptionTable) {
    const std::size_t distance = edit_distance(key, spec.name);
    if (distance < best_distance) {
      best_distance = distance;
      best = spec.name;
    }
  }
  if (best.empty()) return fmt::format("unknown option '{}' (help=1 lists the options)", key);
  return fmt::format("unknown option '{}' (did you mean '{}'?)", key, best);
}

// `text` broken into lines of at most `width` columns at spaces, each
// starting with `indent` and ending with a newline.
std::string wrap(std::string_view text, std::string_view indent, std::size_t width) {
  std::string out;
  std::size_t column = 0;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (column > 0 && column + 1 + word.size() > width) {
      out += '\n';
      column = 0;
    }
    if (column == 0) {
      out += indent;
      column = indent.size();
    } else {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  out += '\n';
  return out;
}

bool is_separator(char c) {
  return c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Writes all of `text` to stderr with write(2): no stdio buffers, no locks.
void write_stderr(std::string_view text) noexcept {
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// What the runtime says at start (help=1, a bad option): plain text, or with
// format=json a notice record, so that a JSON log on stderr stays JSON Lines
// (docs/report-format.md).
void say_at_start(report_format format, std::string_view level, std::string_view text) noexcept {
  if (format == report_format::json) {
    write_stderr(detector::render_json_notice("notice", level, text, static_cast<int>(::getpid())) + "\n");
  } else {
    write_stderr(text);
  }
}

[[noreturn]] void die_at_start(report_format format, std::string_view message) noexcept {
  // A notice record names concheck already ("concheck: error: ..." in text).
  if (format == report_format::json) {
    say_at_start(format, "error", fmt::format("CONCHECK_OPTIONS: {}", message));
  } else {
    say_at_start(format, "error", fmt::format("concheck: CONCHECK_OPTIONS: {}\n", message));
  }
  ::_exit(2);
}

// get_options() storage: never destroyed, so it stays valid during static
// destruction and in threads that outlive main.
alignas(options) unsigned char g_storage[sizeof(options)];
std::atomic<int> g_state{0};  // 0 = not parsed, 1 = parsing, 2 = ready
thread_local bool t_parsing = false;

const options& default_options() noexcept {
  alignas(options) static unsigned char storage[sizeof(options)];
  static std::atomic<bool> made{false};
  // Only the parsing thread gets here, and only during parsing: no race.
  if (!made.load(std::memory_order_acquire)) {
    new (storage) options();
    made.store(true, std::memory_order_release);
  }
  return *std::launder(reinterpret_cast<options*>(storage));
}

void parse_process_options() noexcept {
  auto* parsed = new (g_storage) options();
  const char* text = std::getenv("CONCHECK_OPTIONS");
  if (text != nullptr) {
    std::string error = parse_options(text, *parsed);
    if (!error.empty()) die_at_start(parsed->format, error);
  }
  // A program linked with libconcheck.so and run with the preload library
  // holds two copies; each parses the options, one speaks for the process.
  if (parsed->help && first_runtime_copy()) say_at_start(parsed->format, "note", options_help(false));
  if (!parsed->suppressions.empty()) {
    std::string error = load_suppressions_file(parsed->suppressions);
    if (!error.empty()) die_at_start(parsed->format, error);
  }
}

}  // namespace

std::string parse_options(const char* text, options& out) {
  if (text == nullptr) return {};
  std::string_view rest(text);
  std::string first_error;
  // Every item is parsed even after an error, so that `format` is known when
  // the error is written (the first error is the one returned).
  const auto failed = [&first_error](std::string error) {
    if (first_error.empty()) first_error = std::move(error);
  };
  while (!rest.empty()) {
    if (is_separator(rest.front())) {
      rest.remove_prefix(1);
      continue;
    }
    std::size_t end = 0;
    while (end < rest.size() && !is_separator(rest[end])) ++end;
    const std::string_view item = rest.substr(0, end);
    rest.remove_prefix(end);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      failed(fmt::format("expected key=value, got '{}'", item));
      continue;
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key.empty()) {
      failed(fmt::format("missing option name before '=' in '{}'", item));
      continue;
    }
    const auto spec = std::find_if(kOptionTable.begin(), kOptionTable.end(),
                                   [key](const option_spec& s) { return s.name == key; });
    if (spec == kOptionTable.end()) {
      failed(unknown_option_message(key));
      continue;
    }
    std::string error = spec->set(spec->name, value, out);
    if (!error.empty()) failed(std::move(error));
  }
  return first_error;
}

std::string options_help(bool markdown) {
  const options defaults;
  std::string text;
  if (markdown) {
    text +=
        "# concheck options\n\n"
        "<!-- Generated from the option table in runtime/src/options.cpp; do not edit by hand.\n"
        "     Regenerate: cmake --build <build-dir> --target concheck_options_doc\n"
        "     (a test fails while this page and the table disagree). -->\n\n"
        "Set options in the environment variable `CONCHECK_OPTIONS` as `key=value` pairs separated by "
        "`:` (or whitespace), as the sanitizers do:\n\n"
        "```sh\nCONCHECK_OPTIONS=format=json:log_path=/tmp/concheck:halt_on_error=1 ./my_tests\n```\n\n"
        "Booleans are `0`, `1`, `true` or `false`. A later key overrides an earlier one. An unknown key or a "
        "malformed value stops the program at start with a message naming it and exit status 2, e.g.\n"
        "`concheck: CONCHECK_OPTIONS: unknown option 'exitcod' (did you mean 'exitcode'?)`.\n"
        "With `format=json` that message, and the table `help=1` prints, are written to stderr as `notice` "
        "records (levels `error` and `note`), so a JSON log on stderr stays JSON Lines.\n\n"
        "| option | type | default | description |\n|---|---|---|---|\n";
    for (const option_spec& spec : kOptionTable) {
      const std::string value = spec.get(defaults);
      // A '|' inside a cell must be escaped, or it splits the cell.
      std::string type(spec.type);
      for (std::size_t at = type.find('|'); at != std::string::npos; at = type.find('|', at + 2)) {
        type.replace(at, 1, "\\|");
      }
      text +=
          fmt::format("| `{}` | {} | {} | {} |\n", spec.name, type,
                      value.empty() ? std::string("(empty)") : fmt::format("`{}`", value), spec.description);
    }
    return text;
  }
  text += "concheck options (CONCHECK_OPTIONS=key=value:key=value...):\n";
  for (const option_spec& spec : kOptionTable) {
    const std::string value = spec.get(defaults);
    text += fmt::format("  {:<22} {:<18} default {}\n", spec.name, spec.type,
                        value.empty() ? std::string("(empty)") : value);
    text += wrap(spec.description, "      ", 78);
  }
  return text;
}

const options& get_options() noexcept {
  if (g_state.load(std::memory_order_acquire) == 2) {
    return *std::launder(reinterpret_cast<options*>(g_storage));
  }
  if (t_parsing) return default_options();
  int expected = 0;
  if (g_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    t_parsing = true;
    parse_process_options();
    t_parsing = false;
    g_state.store(2, std::memory_order_release);
  } else {
    // Another thread is parsing (microseconds, once per process): wait without
    // any lock of ours or the user's.
    while (g_state.load(std::memory_order_acquire) != 2) ::sched_yield();
  }
  return *std::launder(reinterpret_cast<options*>(g_storage));
}

namespace {
// Parse at load time so that bad options stop the program at start.
[[gnu::constructor]] void parse_options_at_load() {
  static_cast<void>(get_options());
}
}  // namespace

}  // namespace concheck::detail
