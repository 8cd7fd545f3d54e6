// Test helper: runs concheck_support_probe in a child process with a given
// CONCHECK_OPTIONS and collects its exit status and its output (stdout and
// stderr merged), so start-up errors and exits are checked without ending
// the test process. Built on the shared runner (tests/support).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace concheck_test {

struct probe_result {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string output;
};

// `args` are the probe's words, separated by spaces. Without `with_options`
// the probe runs with no CONCHECK_OPTIONS at all.
inline probe_result run_probe(const std::string& options, const std::string& args = "",
                              bool with_options = true) {
  std::vector<std::string> argv = {CONCHECK_SUPPORT_PROBE};
  std::istringstream words(args);
  for (std::string word; words >> word;) argv.push_back(word);
  concheck::test::child_options child;
  child.merge_stderr = true;
  if (with_options) {
    child.env.push_back("CONCHECK_OPTIONS=" + options);
  } else {
    child.unset.push_back("CONCHECK_OPTIONS");
  }
  const auto run = concheck::test::run_child(argv, child);
  return {run.exit_code, run.out};
}

}  // namespace concheck_test
