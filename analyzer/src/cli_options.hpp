// concheck analyzer: the options of `concheck analyze`, parsed from argv.
//
// One declarative table (cli_options.cpp) names every option once with its
// argument and help text; the parser and `--help` both come from it. Parsing
// never exits or prints: a malformed command line comes back as an error
// message naming the offending argument, and the caller prints it and exits 2.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace concheck::analyzer {

enum class output_format { text, json, sarif };

struct analyze_options {
  std::vector<std::string> files;        // FILES...: sources, or a filter of -p's entries
  std::vector<std::string> extra_flags;  // after `--`: compiler flags (added after -p's too)
  std::optional<std::string> build_dir;  // -p: folder holding compile_commands.json
  output_format format = output_format::text;
  unsigned jobs = 0;                                  // -j; 0 = number of cores
  std::string checks;                                 // --checks as given (resolved by resolve_checks)
  std::string source_root;                            // --source-root for SARIF; empty = cwd
  std::size_t max_file_size = std::size_t{64} << 20;  // --max-file-size (bytes)
  bool use_pch = true;                                // --no-pch turns off the shared header cache
  bool full_parse = false;                            // --full-parse: header bodies in every TU
  bool raw_unprotected_writes = false;                // --all-unprotected-writes
  std::optional<bool> progress;                       // --progress / --no-progress; unset = auto (tty)
  bool list_checks = false;                           // --list-checks
  bool stats = false;                                 // --stats: timing summary on stderr
  bool help = false;                                  // --help
  unsigned file_time_limit = 120;                     // --file-time-limit (seconds; 0 = none)
  std::size_t file_memory_limit = 4096;               // --file-memory-limit (MiB; 0 = none)
};

// Parses the arguments after the subcommand (argv[0] is not included).
// Returns the options, or an error message ("unknown option '--frmat'").
std::variant<analyze_options, std::string> parse_analyze_options(const std::vector<std::string>& args);

// The help text of `concheck analyze`, generated from the option table.
std::string analyze_help();

// Resolves a clang-tidy style check list ("-*,unprotected-write",
// "-lock-order-inversion", "concheck-*") against the known rules, starting
// from the rules enabled by default and applying each item in order. A name
// may carry the `concheck-` prefix; `*` globs. Returns the enabled set, or an
// error naming an item that matches no rule.
std::variant<std::set<std::string>, std::string> resolve_checks(const std::string& checks);

}  // namespace concheck::analyzer
