// concheck runtime: options from CONCHECK_OPTIONS.
//
// Sanitizer-style `key=value` pairs separated by ':' (or whitespace). Every
// option is declared once in options.cpp's table (name, type, default,
// description, validator); that table drives parsing, `help=1` and
// docs/options.md (regenerate that page with
// `cmake --build <build-dir> --target concheck_options_doc`; a test in
// tests/runtime_support fails while the page and the table disagree).
// A malformed value or an unknown key is a fatal error at start: the message
// names the key and the process exits with status 2 (never a silent default).
// An unreadable or malformed suppressions file is the same kind of error.
#pragma once

#include <cstdint>
#include <string>

namespace concheck::detail {

enum class report_format : unsigned char { text, json };
enum class color_mode : unsigned char { auto_, always, never };
enum class explore_access_mode : unsigned char { none, atomics, shared, all };

struct options {
  std::string log_path;  // "" = stderr; otherwise a prefix, files get ".<pid>" appended
  report_format format = report_format::text;
  int exitcode = 66;           // exit status after a fatal finding (deadlock) or halt_on_error
  bool halt_on_error = false;  // end the process after the first report
  std::string suppressions;    // path of a file of `kind:pattern` lines
  color_mode color = color_mode::auto_;
  int deadlock_grace_ms = 1000;  // all threads blocked this long with no timeout: deadlock
  int outside_waker_grace_ms =
      10000;                          // ... unless something outside concheck's view may wake them: a warning
  int stack_depth = 32;               // frames captured per stack
  bool show_internal_frames = false;  // show concheck / std frames in reports
  int max_frames = 16;                // user frames printed per stack in text reports (0 = all)
  std::string wrapper_functions;      // comma-separated globs: more lock wrappers (site_frames.hpp)
  int dump_threads_signal = 0;        // signal number that triggers dump_threads(); 0 = none
  bool report_thread_leaks = false;   // thread-not-joined at exit
  bool access_summary = false;        // race detection: print the per-location access summary at exit
  bool help = false;                  // print the option table and continue
  // Explore mode (runtime/include/concheck/explore.hpp): "" / 0 / -1 mean
  // "as the program's explore_options say".
  std::string explore_strategy;  // automatic, random, pct, dfs
  int explore_schedules = 0;
  std::string explore_seed;  // decimal uint64
  int explore_time_limit_ms = 0;
  int explore_step_bound = 0;
  int explore_max_steps = 0;
  int explore_stall_ms = 0;
  int explore_schedule_timeout_ms = 0;  // process mode: real time a schedule may take; 0: no limit
  int explore_pct_depth = 0;
  int explore_preemption_bound = -1;
  // Which instrumented accesses are scheduling points (race/explore_access.hpp).
  explore_access_mode explore_access_points = explore_access_mode::shared;
};

// Largest accepted stack_depth (the depot's per-stack bound).
inline constexpr int kMaxStackDepth = 256;

// The process's options, parsed from CONCHECK_OPTIONS once on first use
// (thread-safe, no user-visible lock, allocation only on first call). Also
// called from a load-time constructor, so bad options stop the program before
// main even if it never locks anything. On a parse error it prints
// "concheck: CONCHECK_OPTIONS: <message>" to stderr and calls _exit(2). A
// nested call made on the parsing thread while parsing (e.g. from an interposed
// function) returns the defaults instead of deadlocking.
const options& get_options() noexcept;

// Parses `text` into `out` (which keeps the values of keys not mentioned;
// later keys override earlier ones). Returns "" on success, else a message
// naming the offending key or value, e.g.
//   unknown option 'exitcod' (did you mean 'exitcode'?)
//   option 'exitcode' expects an integer in [0, 255], got 'x'
// Every item is parsed even after an error (so `format` is known when the
// error is written); the first error is returned and `out` holds the rest. Pure: no I/O (the suppressions
// file is checked by get_options, not here). Used by get_options() and by tests.
std::string parse_options(const char* text, options& out);

// The option table rendered as plain text (help=1) or as the Markdown page
// docs/options.md (`markdown` = true).
std::string options_help(bool markdown);

}  // namespace concheck::detail
