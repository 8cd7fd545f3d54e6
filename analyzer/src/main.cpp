// concheck: the command line tool.
//
//   concheck analyze [options] FILES... [-- compiler flags]   static analysis (libclang)
//   concheck analyze -p BUILD_DIR [FILES...]                 ... of a compile_commands.json
//   concheck FILES...                                        same as analyze
//   concheck report FILE.jsonl [--format text|dot|svg]       render saved runtime findings
//   concheck run ...                                         explore mode (not available yet)
#include <clang-c/Index.h>
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli_analyze.hpp"

#if CONCHECK_HAVE_REPORT_COMMAND
#include <concheck/detector/report_command.hpp>
#endif

namespace {

constexpr const char* kUsage =
    "usage: concheck <command> [arguments]\n\n"
    "commands:\n"
    "  analyze [options] FILES... [-- flags]  find unprotected shared writes and lock-order inversions\n"
    "  analyze -p BUILD_DIR [FILES...]        ... in the files of a compile_commands.json\n"
    "  report FILE.jsonl [--format text|dot]  render findings saved by the runtime (format=json)\n"
    "  run [options] -- PROGRAM ARGS...       explore a program's interleavings (not available yet)\n\n"
    "`concheck FILES...` without a command analyzes FILES. `concheck <command> --help` for details.\n"
    "Exit status: 0 clean, 1 findings, 2 usage or input error.\n";

std::string libclang_version() {
  CXString v = clang_getClangVersion();
  std::string out = clang_getCString(v) != nullptr ? clang_getCString(v) : "unknown";
  clang_disposeString(v);
  return out;
}

// A first argument that is no option, no existing path and looks like a word
// is a mistyped command, not a source file.
bool looks_like_command(std::string_view arg) {
  std::error_code ec;
  return !arg.empty() && arg[0] != '-' && arg.find_first_of("./") == std::string_view::npos &&
         !std::filesystem::exists(arg, ec);
}

}  // namespace

int main(int argc, char** argv) {
  using concheck::analyzer::kExitError;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    fmt::print(stderr, "{}", kUsage);
    return kExitError;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    fmt::print("{}", kUsage);
    return 0;
  }
  if (command == "--version") {
    fmt::print("concheck {} ({})\n", CONCHECK_VERSION, libclang_version());
    return 0;
  }
  if (command == "analyze") return concheck::analyzer::run_analyze_command({args.begin() + 1, args.end()});
  if (command == "report") {
#if CONCHECK_HAVE_REPORT_COMMAND
    return concheck::detector::run_report_command(argc - 1, argv + 1);
#else
    fmt::print(stderr, "concheck report: error: not available in this build\n");
    return kExitError;
#endif
  }
  if (command == "run") {
    fmt::print(stderr,
               "concheck run: error: explore mode is not available yet; run your tests linked against "
               "concheck::runtime (monitor mode), or use `concheck analyze`\n");
    return kExitError;
  }
  if (looks_like_command(command)) {
    fmt::print(stderr, "concheck: error: unknown command '{}' (and no such file)\n\n{}", command, kUsage);
    return kExitError;
  }
  return concheck::analyzer::run_analyze_command(args);
}
