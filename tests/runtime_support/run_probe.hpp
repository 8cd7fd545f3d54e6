// Test helper: runs concheck_support_probe in a child process with a given
// CONCHECK_OPTIONS and collects its exit status and its output (stdout and
// stderr merged), so start-up errors and exits are checked without ending
// the test process.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace concheck_test {

struct probe_result {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string output;
};

// `options` is put in single quotes for the shell; it must not contain one.
inline probe_result run_probe(const std::string& options, const std::string& args = "",
                              bool with_options = true) {
  std::string command = with_options ? "CONCHECK_OPTIONS='" + options + "' " : "env -u CONCHECK_OPTIONS ";
  command += std::string(CONCHECK_SUPPORT_PROBE) + " " + args + " 2>&1";
  probe_result result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace concheck_test
