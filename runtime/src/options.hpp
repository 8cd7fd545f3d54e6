// concheck runtime: options from CONCHECK_OPTIONS.
//
// Sanitizer-style `key=value` pairs separated by ':' (or whitespace). Every
// option is declared once in options.cpp's table (name, type, default,
// description); that table drives parsing, `help=1` and docs/options.md.
// A malformed value or an unknown key is a fatal error at start: the message
// names the key and the process exits with status 2 (never a silent default).
#pragma once

#include <cstdint>
#include <string>

namespace concheck::detail {

enum class report_format : unsigned char { text, json };
enum class color_mode : unsigned char { auto_, always, never };

struct options {
  std::string log_path;              // "" = stderr; otherwise a prefix, files get ".<pid>" appended
  report_format format = report_format::text;
  int exitcode = 66;                 // exit status after a fatal finding (deadlock) or halt_on_error
  bool halt_on_error = false;        // end the process after the first report
  std::string suppressions;          // path of a file of `kind:pattern` lines
  color_mode color = color_mode::auto_;
  int deadlock_grace_ms = 1000;      // all threads blocked this long with no timeout: deadlock
  int stack_depth = 32;              // frames captured per stack
  bool show_internal_frames = false; // show concheck / std frames in reports
  int dump_threads_signal = 0;       // signal number that triggers dump_threads(); 0 = none
  bool report_thread_leaks = false;  // thread-not-joined at exit
  bool help = false;                 // print the option table and continue
};

// The process's options, parsed once on first use (thread-safe, no user-visible
// lock, allocation only on first call).
const options& get_options() noexcept;

// Parses `text` into `out`. Returns "" on success, else a message naming the
// offending key or value. Used by get_options() and by tests.
std::string parse_options(const char* text, options& out);

// The option table rendered as text (help=1) or as a Markdown table (docs).
std::string options_help(bool markdown);

}  // namespace concheck::detail
