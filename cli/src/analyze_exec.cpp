// `concheck analyze` and `--version` in bin/concheck, which links no
// libclang: both replace this process with the helper concheck-analyze
// (analyze_command.hpp says why and where it is).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "analyze_command.hpp"
#include "subcommands.hpp"

namespace concheck::cli {
namespace {

std::string helper_path() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return (self.parent_path().parent_path() / CONCHECK_INSTALL_LIBEXECDIR / "concheck" / "concheck-analyze")
      .string();
}

// Returns only when the helper could not be started.
int exec_helper(const std::vector<std::string>& args) {
  const std::string path = helper_path();
  if (path.empty()) {
    fmt::print(
        stderr,
        "concheck: error: cannot find this program's own path (/proc/self/exe) to start the analyzer\n");
    return kExitUsageError;
  }
  std::vector<char*> argv;
  std::string name = "concheck";
  argv.push_back(name.data());
  std::vector<std::string> copies(args);
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  ::execv(path.c_str(), argv.data());
  const int error = errno;
  fmt::print(stderr,
             "concheck: error: cannot start the analyzer '{}': {} (concheck installs it there, next to its "
             "bin/; reinstall concheck, or build the concheck_cli target)\n",
             path, std::strerror(error));
  return kExitUsageError;
}

}  // namespace

int run_analyze(const std::vector<std::string>& args) {
  std::vector<std::string> forwarded{"analyze"};
  forwarded.insert(forwarded.end(), args.begin(), args.end());
  return exec_helper(forwarded);
}

int print_version() {
  return exec_helper({"--version"});
}

}  // namespace concheck::cli
