// concheck CLI: the `concheck report` subcommand.
//
//   concheck report FILE.jsonl [--format text|dot|svg] [-o OUT] [--show-internal] [--color]
//
// Reads a saved log (JSON Lines as written with CONCHECK_OPTIONS=format=json:
// findings, notices, thread-dump records; FILE `-` reads stdin; blank lines
// are skipped) one line at a time and renders it as it goes: `text` (default)
// prints every finding's text report, notices and thread dumps as the text log
// shows them; `dot` prints one Graphviz graph of the findings' lock-order
// edges; `svg` runs that DOT through graphviz's `dot -Tsvg` (a clear error
// naming the graphviz package when it is missing). Output goes to stdout or to
// OUT. Records of unknown kinds are skipped with a count on stderr. Bad lines
// do not stop the rendering: they are listed afterwards ("FILE:LINE: message",
// a cut last line said to be cut). A line over 1 MiB or a NUL byte stops the
// reading at once (not a log). docs/report-format.md, "Reading a log".
// Reading and rendering are the detector's (log_records.hpp, render.hpp); this
// file adds the arguments, the files and graphviz.
// Exit status: 0 rendered; 2 usage error, unreadable or empty input, any bad
// line, unwritable OUT, or graphviz failure.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace concheck::cli {

// The arguments as `concheck --help` and `concheck report --help` show them.
inline constexpr std::string_view kReportArguments = "FILE.jsonl [--format text|dot|svg]";

// Where the command reads and writes; the defaults are the process's streams.
struct report_io {
  std::istream* in = nullptr;       // for FILE `-`; null = std::cin
  std::ostream* out = nullptr;      // when no -o; null = std::cout
  std::ostream* err = nullptr;      // messages; null = std::cerr
  std::string dot_program = "dot";  // graphviz executable used for svg (looked up in PATH)
};

// `args` are the arguments after `report`.
int run_report_command(const std::vector<std::string>& args);
int run_report_command(const std::vector<std::string>& args, const report_io& io);

}  // namespace concheck::cli
