// concheck CLI: `concheck analyze` and `concheck --version`, the two commands
// that need libclang.
//
// libclang and libLLVM cost every process that links them ~0.14 s and ~3,200
// page faults at start-up (the dynamic loader applies ~520,000 relocations),
// which `concheck run` (a program started per exploration) and `concheck
// report` do not need. So there are two executables built from main.cpp and
// the subcommand table:
//   bin/concheck                            links no libclang; analyze and
//                                           --version exec the helper below
//                                           (analyze_exec.cpp);
//   libexec/concheck/concheck-analyze       the same commands, with the
//                                           analyzer in process
//                                           (analyze_in_process.cpp).
// The helper is found next to the running concheck, at
// <exe dir>/../<libexecdir>/concheck/concheck-analyze, in the build tree and
// in an installed prefix alike. Its arguments, standard streams and exit
// status are concheck's; a helper that is missing or cannot be executed is a
// clear error naming the path looked at, exit status 2.
#pragma once

#include <string>
#include <vector>

namespace concheck::cli {

// `concheck analyze ARGS...` (also `concheck FILES...`): the exit status of
// analyzer/src/cli_analyze.hpp's run_analyze_command.
int run_analyze(const std::vector<std::string>& args);

// `concheck --version`: prints "concheck VERSION (LIBCLANG VERSION)"; 0.
int print_version();

}  // namespace concheck::cli
