// concheck CLI: the `concheck report` subcommand.
//
//   concheck report FILE.jsonl [--format text|dot|svg] [-o OUT] [--show-internal] [--color]
//
// Reads saved findings (JSON Lines as written with CONCHECK_OPTIONS=format=json;
// FILE `-` reads stdin; blank lines are skipped) and renders them: `text`
// (default) prints every finding's text report; `dot` prints one Graphviz
// graph of all their lock-order edges; `svg` runs that DOT through graphviz's
// `dot -Tsvg` (a clear error naming the graphviz package when it is missing).
// Output goes to stdout or to OUT. Reading and rendering are the detector's
// (json.hpp, render.hpp); this file adds the arguments, the files and graphviz.
// Exit status: 0 rendered; 2 usage error, unreadable input, malformed line
// ("FILE:LINE: message"), unwritable OUT, or graphviz failure.
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
