// `concheck analyze` and `--version` with the analyzer in this process
// (analyze_command.hpp): the helper concheck-analyze, and the CLI's tests.
#include <fmt/format.h>

#include "analyze_command.hpp"
#include "cli_analyze.hpp"

namespace concheck::cli {

int run_analyze(const std::vector<std::string>& args) {
  return analyzer::run_analyze_command(args);
}

int print_version() {
  fmt::print("concheck {} ({})\n", CONCHECK_VERSION, analyzer::libclang_version());
  return 0;
}

}  // namespace concheck::cli
