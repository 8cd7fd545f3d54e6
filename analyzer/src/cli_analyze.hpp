// concheck analyzer: the `concheck analyze` subcommand, from argv to exit status.
//
// Reads the options (cli_options.hpp), builds the list of translation units
// (compile_db.hpp), checks that libclang finds its builtin headers, parses
// and extracts facts on -j workers (parse_pool.hpp), runs analyze() once
// over the merged facts, drops what --checks disabled and what NOLINT
// comments suppress, and prints the rest in the chosen format on stdout.
// Problems with inputs go to stderr as "FILE: error: ...", one per file,
// and the other files are still analyzed.
// Exit status: 0 no findings, 1 findings, 2 usage error or any file that
// could not be analyzed (findings in the other files are still printed).
#pragma once

#include <string>
#include <vector>

namespace concheck::analyzer {

inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;

// `args` are the arguments after `analyze` (or after the program name when
// no subcommand was given).
int run_analyze_command(const std::vector<std::string>& args);

// The version of the libclang the analyzer runs on ("Debian clang version
// 19.1.7 ..."), or "unknown"; `concheck --version` prints it.
std::string libclang_version();

}  // namespace concheck::analyzer
