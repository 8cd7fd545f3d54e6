// concheck: the command line tool.
//
//   concheck <command> [arguments]     a subcommand of the table in subcommands.hpp
//   concheck FILES...                  same as `concheck analyze FILES...`
//   concheck --help | --version
// Built twice: bin/concheck and the helper libexec/concheck/concheck-analyze
// (analyze_command.hpp says why).
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "analyze_command.hpp"
#include "subcommands.hpp"

namespace {

// A first argument that is no option, no existing path and looks like a word
// is a mistyped command, not a source file.
bool looks_like_command(std::string_view arg) {
  std::error_code ec;
  return !arg.empty() && arg[0] != '-' && arg.find_first_of("./") == std::string_view::npos &&
         !std::filesystem::exists(arg, ec);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    fmt::print(stderr, "{}", concheck::cli::usage_text());
    return concheck::cli::kExitUsageError;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    fmt::print("{}", concheck::cli::usage_text());
    return 0;
  }
  if (command == "--version") return concheck::cli::print_version();
  if (auto run = concheck::cli::find_subcommand(command)) return run({args.begin() + 1, args.end()});
  if (looks_like_command(command)) {
    fmt::print(stderr, "concheck: error: unknown command '{}' (and no such file)\n\n{}", command,
               concheck::cli::usage_text());
    return concheck::cli::kExitUsageError;
  }
  return concheck::cli::run_analyze(args);
}
