// concheck CLI: the table of `concheck <command>` subcommands.
//
// One row per usage form: the command's name, its arguments, a one-line
// description and the function that runs it. main() dispatches through the
// table and `concheck --help` is generated from it, so a command is in both or
// in neither, and a handler that is renamed or removed fails the build instead
// of quietly dropping the command. A row with no handler is another usage form
// of the command in the row above (shown in the usage, never dispatched).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace concheck::cli {

// Exit status of every subcommand: 0 clean, 1 findings, 2 usage or input error.
inline constexpr int kExitUsageError = 2;

// Runs a subcommand on the arguments after its name; returns the exit status.
using subcommand_handler = int (*)(const std::vector<std::string>& args);

struct subcommand {
  std::string_view name;         // "report"
  std::string_view arguments;    // "FILE.jsonl [--format text|dot|svg]"
  std::string_view description;  // one line
  subcommand_handler run;        // null: another usage form of the row above
};

// Every row, in the order `concheck --help` lists them.
std::span<const subcommand> subcommands();

// The handler of the command called `name`; null when there is none.
subcommand_handler find_subcommand(std::string_view name);

// The text of `concheck --help`.
std::string usage_text();

}  // namespace concheck::cli
