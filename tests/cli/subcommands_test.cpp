// The subcommand table: dispatch by name, and `concheck --help` generated
// from it, naming every command with its arguments and description.
#include "subcommands.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "report_command.hpp"

namespace concheck::cli {
namespace {

using testing::HasSubstr;

TEST(Subcommands, DispatchByName) {
  EXPECT_EQ(find_subcommand("report"), static_cast<subcommand_handler>(&run_report_command));
  EXPECT_NE(find_subcommand("analyze"), nullptr);
  EXPECT_NE(find_subcommand("run"), nullptr);
  EXPECT_EQ(find_subcommand("explore"), nullptr);
  EXPECT_EQ(find_subcommand(""), nullptr);
}

TEST(Subcommands, UsageShowsEveryRowOnOneLine) {
  std::string usage = usage_text();
  EXPECT_THAT(usage, testing::StartsWith("usage: concheck <command> [arguments]\n"));
  for (const auto& row : subcommands()) {
    std::string synopsis = std::string(row.name) + " " + std::string(row.arguments);
    auto at = usage.find("  " + synopsis + " ");
    ASSERT_NE(at, std::string::npos) << synopsis << "\n" << usage;
    std::string line = usage.substr(at, usage.find('\n', at) - at);
    EXPECT_THAT(line, HasSubstr(std::string(row.description)));
  }
}

TEST(Subcommands, UsageNamesEveryReportFormat) {
  EXPECT_THAT(usage_text(), HasSubstr("  report FILE.jsonl [--format text|dot|svg]  "));
}

// The formats the usage names are the ones `concheck report` accepts.
TEST(Subcommands, ReportAcceptsTheFormatsItsUsageNames) {
  std::string_view arguments = kReportArguments;
  auto first = arguments.find("--format ") + 9;
  auto formats = arguments.substr(first, arguments.find(']', first) - first);
  ASSERT_EQ(formats, "text|dot|svg");
  std::stringstream list{std::string(formats)};
  for (std::string format; std::getline(list, format, '|');) {
    std::istringstream in;
    std::ostringstream out;
    std::ostringstream err;
    report_io io;
    io.in = &in;
    io.out = &out;
    io.err = &err;
    io.dot_program = "concheck-no-such-dot-program";  // svg then fails after accepting the format
    run_report_command({"-", "--format", format}, io);
    EXPECT_THAT(err.str(), testing::Not(HasSubstr("unknown --format"))) << format;
  }
}

}  // namespace
}  // namespace concheck::cli
