// The subcommand table and the usage generated from it; see subcommands.hpp.
#include "subcommands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "analyze_command.hpp"
#include "report_command.hpp"
#include "run_command.hpp"

namespace concheck::cli {
namespace {

constexpr std::array kSubcommands{
    subcommand{"analyze", "[options] FILES... [-- flags]",
               "find unprotected shared writes and lock-order inversions", run_analyze},
    subcommand{"analyze", "-p BUILD_DIR [FILES...]", "... in the files of a compile_commands.json", nullptr},
    subcommand{"report", kReportArguments, "render findings saved by the runtime (format=json)",
               run_report_command},
    subcommand{"run", kRunArguments,
               "explore a program's interleavings, one thread at a time (docs/explore.md)", run_run_command},
};

// Each command is dispatched by its first row, and a handler-less row must
// continue the command above it.
constexpr bool well_formed() {
  for (std::size_t i = 0; i < kSubcommands.size(); ++i) {
    const bool first_of_name = i == 0 || kSubcommands[i - 1].name != kSubcommands[i].name;
    if (first_of_name != (kSubcommands[i].run != nullptr)) return false;
    for (std::size_t j = 0; j + 1 < i; ++j)
      if (kSubcommands[j].name == kSubcommands[i].name && first_of_name) return false;
  }
  return true;
}
// Under the sanitizers a function's address is not a constant expression
// (UBSan instruments the comparison): the check then runs once at start-up.
#if defined(__SANITIZE_ADDRESS__)
[[maybe_unused]] const bool kWellFormed = [] {
  if (!well_formed()) std::abort();
  return true;
}();
#else
static_assert(well_formed(), "every command has one handler, in the first of its adjacent rows");
#endif

}  // namespace

std::span<const subcommand> subcommands() {
  return kSubcommands;
}

subcommand_handler find_subcommand(std::string_view name) {
  for (const auto& row : kSubcommands)
    if (row.name == name && row.run != nullptr) return row.run;
  return nullptr;
}

std::string usage_text() {
  std::size_t width = 0;
  for (const auto& row : kSubcommands) width = std::max(width, row.name.size() + 1 + row.arguments.size());
  std::string text = "usage: concheck <command> [arguments]\n\ncommands:\n";
  for (const auto& row : kSubcommands) {
    text +=
        fmt::format("  {:<{}}  {}\n", fmt::format("{} {}", row.name, row.arguments), width, row.description);
  }
  text +=
      "\n`concheck FILES...` without a command analyzes FILES. `concheck <command> --help` for details.\n"
      "Exit status: 0 clean, 1 findings, 2 usage or input error.\n";
  return text;
}

}  // namespace concheck::cli
