// Options: the table-driven parser, every kind of bad input, help=1, the
// start-up behaviour of a real process, and docs/options.md kept in sync.
#include "options.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <variant>
#include <vector>

#include "concheck/detector/log_records.hpp"
#include "run_probe.hpp"

namespace concheck::detail {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

options parse_ok(const char* text) {
  options o;
  const std::string error = parse_options(text, o);
  EXPECT_EQ(error, "") << "parsing '" << text << "'";
  return o;
}

std::string parse_error(const std::string& text_string) {
  const char* text = text_string.c_str();
  options o;
  return parse_options(text, o);
}

TEST(options, defaults_match_design) {
  const options o = parse_ok("");
  EXPECT_EQ(o.log_path, "");
  EXPECT_EQ(o.format, report_format::text);
  EXPECT_EQ(o.exitcode, 66);
  EXPECT_FALSE(o.halt_on_error);
  EXPECT_EQ(o.suppressions, "");
  EXPECT_EQ(o.color, color_mode::auto_);
  EXPECT_EQ(o.stack_depth, 32);
  EXPECT_EQ(parse_options(nullptr, *std::make_unique<options>()), "");
}

TEST(options, parses_every_key) {
  const options o = parse_ok(
      "log_path=/tmp/x:format=json:exitcode=7:halt_on_error=1:suppressions=/tmp/s.supp:color=always:"
      "deadlock_grace_ms=250:stack_depth=8:show_internal_frames=true:max_frames=0:dump_threads_signal=10:"
      "report_thread_leaks=1:wrapper_functions=Spinlock*Acquire,take_lock:help=0");
  EXPECT_EQ(o.log_path, "/tmp/x");
  EXPECT_EQ(o.format, report_format::json);
  EXPECT_EQ(o.exitcode, 7);
  EXPECT_TRUE(o.halt_on_error);
  EXPECT_EQ(o.suppressions, "/tmp/s.supp");
  EXPECT_EQ(o.color, color_mode::always);
  EXPECT_EQ(o.deadlock_grace_ms, 250);
  EXPECT_EQ(o.stack_depth, 8);
  EXPECT_TRUE(o.show_internal_frames);
  EXPECT_EQ(o.max_frames, 0);
  EXPECT_EQ(o.dump_threads_signal, 10);
  EXPECT_TRUE(o.report_thread_leaks);
  EXPECT_EQ(o.wrapper_functions, "Spinlock*Acquire,take_lock");
  EXPECT_FALSE(o.help);
}

TEST(options, separators_and_overrides) {
  const options o = parse_ok("  exitcode=3 \t color=never\n::format=json:exitcode=4:  ");
  EXPECT_EQ(o.exitcode, 4);  // the later key wins
  EXPECT_EQ(o.color, color_mode::never);
  EXPECT_EQ(o.format, report_format::json);
}

TEST(options, booleans) {
  EXPECT_TRUE(parse_ok("halt_on_error=1").halt_on_error);
  EXPECT_TRUE(parse_ok("halt_on_error=true").halt_on_error);
  EXPECT_FALSE(parse_ok("halt_on_error=1:halt_on_error=0").halt_on_error);
  EXPECT_FALSE(parse_ok("halt_on_error=true:halt_on_error=false").halt_on_error);
  EXPECT_EQ(parse_error("halt_on_error=yes"),
            "option 'halt_on_error' expects a boolean (0, 1, true or false), got 'yes'");
  EXPECT_THAT(parse_error("help="), HasSubstr("got ''"));
}

TEST(options, unknown_key_suggests_nearest) {
  EXPECT_EQ(parse_error("exitcod=3"), "unknown option 'exitcod' (did you mean 'exitcode'?)");
  EXPECT_EQ(parse_error("format=json:colour=always"), "unknown option 'colour' (did you mean 'color'?)");
  EXPECT_EQ(parse_error("frobnicate=1"), "unknown option 'frobnicate' (help=1 lists the options)");
}

TEST(options, malformed_values_name_key_and_value) {
  EXPECT_EQ(parse_error("exitcode=abc"), "option 'exitcode' expects an integer in [0, 255], got 'abc'");
  EXPECT_EQ(parse_error("exitcode=256"), "option 'exitcode' expects an integer in [0, 255], got '256'");
  EXPECT_EQ(parse_error("exitcode=-1"), "option 'exitcode' expects an integer in [0, 255], got '-1'");
  EXPECT_EQ(parse_error("exitcode=12x"), "option 'exitcode' expects an integer in [0, 255], got '12x'");
  EXPECT_EQ(parse_error("exitcode="), "option 'exitcode' expects an integer in [0, 255], got ''");
  EXPECT_EQ(parse_error("exitcode=99999999999999999999"),
            "option 'exitcode' expects an integer in [0, 255], got '99999999999999999999'");
  EXPECT_EQ(parse_error("stack_depth=1000"),
            "option 'stack_depth' expects an integer in [0, 256], got '1000'");
  EXPECT_EQ(parse_error("deadlock_grace_ms=0"),
            "option 'deadlock_grace_ms' expects an integer in [1, 3600000], got '0'");
  EXPECT_EQ(parse_error("format=xml"), "option 'format' expects text or json, got 'xml'");
  EXPECT_EQ(parse_error("color=sometimes"), "option 'color' expects auto, always or never, got 'sometimes'");
  EXPECT_EQ(parse_error("wrapper_functions=a,,b"), "option 'wrapper_functions': empty pattern in 'a,,b'");
}

TEST(options, dump_threads_signal_refuses_signals_it_could_not_use) {
  for (const char* sig : {"9", "19", "11", "6", "32", "33"}) {
    const std::string error = parse_error(std::string("dump_threads_signal=") + sig);
    EXPECT_NE(error.find(std::string("signal ") + sig + " cannot be used"), std::string::npos)
        << sig << ": " << error;
  }
  for (const char* sig : {"0", "10", "12", "3", "34", "64"}) {
    EXPECT_EQ(parse_error(std::string("dump_threads_signal=") + sig), "") << sig;
  }
}

TEST(options, malformed_items) {
  EXPECT_EQ(parse_error("halt_on_error"), "expected key=value, got 'halt_on_error'");
  EXPECT_EQ(parse_error("exitcode=1:json"), "expected key=value, got 'json'");
  EXPECT_EQ(parse_error("=1"), "missing option name before '=' in '=1'");
}

TEST(options, help_lists_every_option_with_default) {
  const std::string help = options_help(false);
  for (const char* name :
       {"log_path", "format", "exitcode", "halt_on_error", "suppressions", "color", "deadlock_grace_ms",
        "stack_depth", "show_internal_frames", "max_frames", "dump_threads_signal", "report_thread_leaks",
        "outside_waker_grace_ms", "wrapper_functions", "help"}) {
    EXPECT_THAT(help, HasSubstr(std::string("  ") + name + " ")) << name;
  }
  EXPECT_THAT(help, HasSubstr("default 66"));
  EXPECT_THAT(help, HasSubstr("text|json"));
}

TEST(options, docs_page_matches_table) {
  std::ifstream in(CONCHECK_OPTIONS_DOC);
  ASSERT_TRUE(in) << CONCHECK_OPTIONS_DOC << " is missing; regenerate it: cmake --build <build> --target "
                  << "concheck_options_doc";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), options_help(true))
      << "docs/options.md is out of date; regenerate it: cmake --build <build> --target concheck_options_doc";
}

TEST(options_at_start, unknown_key_exits_2_naming_it) {
  const auto r = concheck_test::run_probe("exitcod=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "concheck: CONCHECK_OPTIONS: unknown option 'exitcod' (did you mean 'exitcode'?)\n");
}

// The lines of `output` that are not the probe's own "probe ran", each
// parsed as a log record: with format=json every one must be a notice.
std::vector<detector::notice> notices_of(const std::string& output) {
  std::vector<detector::notice> notices;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line == "probe ran") continue;
    const auto record = detector::parse_log_record(line);
    EXPECT_TRUE(record) << record.error << " in line: " << line;
    if (!record) continue;
    const auto* n = std::get_if<detector::notice>(&*record.value);
    EXPECT_NE(n, nullptr) << "not a notice: " << line;
    if (n != nullptr) notices.push_back(*n);
  }
  return notices;
}

TEST(options_at_start, json_format_writes_a_bad_option_as_an_error_notice) {
  // format comes after the bad key: the parser reads on to learn it.
  const auto r = concheck_test::run_probe("exitcod=3:format=json");
  EXPECT_EQ(r.exit_code, 2);
  const auto notices = notices_of(r.output);
  ASSERT_EQ(notices.size(), 1u) << r.output;
  EXPECT_EQ(notices[0].level, "error");
  EXPECT_EQ(notices[0].message, "CONCHECK_OPTIONS: unknown option 'exitcod' (did you mean 'exitcode'?)");
  EXPECT_GT(notices[0].pid, 0);
}

TEST(options_at_start, json_format_writes_an_unreadable_suppressions_file_as_an_error_notice) {
  const auto r = concheck_test::run_probe("format=json:suppressions=/nonexistent/concheck.supp");
  EXPECT_EQ(r.exit_code, 2);
  const auto notices = notices_of(r.output);
  ASSERT_EQ(notices.size(), 1u) << r.output;
  EXPECT_EQ(notices[0].level, "error");
  EXPECT_THAT(notices[0].message, HasSubstr("/nonexistent/concheck.supp"));
}

TEST(options_at_start, json_format_writes_help_as_a_note_notice) {
  const auto r = concheck_test::run_probe("help=1:format=json");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("probe ran"));
  const auto notices = notices_of(r.output);
  ASSERT_EQ(notices.size(), 1u) << r.output;
  EXPECT_EQ(notices[0].level, "note");
  EXPECT_EQ(notices[0].message, options_help(false));
}

TEST(options, every_item_is_parsed_after_an_error_and_the_first_error_is_returned) {
  options o;
  EXPECT_EQ(parse_options("bogus=1:format=json:exitcode=x:halt_on_error=1", o),
            "unknown option 'bogus' (help=1 lists the options)");
  EXPECT_EQ(o.format, report_format::json);
  EXPECT_TRUE(o.halt_on_error);
}

TEST(options_at_start, bad_value_exits_2_naming_it) {
  const auto r = concheck_test::run_probe("halt_on_error=maybe");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("concheck: CONCHECK_OPTIONS: option 'halt_on_error' expects a boolean"));
  EXPECT_THAT(r.output, Not(HasSubstr("probe ran")));
}

TEST(options_at_start, good_and_absent_options_run) {
  EXPECT_EQ(concheck_test::run_probe("format=json:exitcode=5").exit_code, 0);
  EXPECT_EQ(concheck_test::run_probe("", "", false).output, "probe ran\n");
}

TEST(options_at_start, help_prints_table_and_continues) {
  const auto r = concheck_test::run_probe("help=1");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("deadlock_grace_ms"));
  EXPECT_THAT(r.output, HasSubstr("probe ran"));
}

TEST(options_at_start, unreadable_suppressions_file_exits_2_naming_it) {
  const auto r = concheck_test::run_probe("suppressions=/nonexistent/concheck.supp");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("cannot read suppressions file '/nonexistent/concheck.supp'"));
}

TEST(options_at_start, malformed_suppressions_file_exits_2_naming_line) {
  const std::string path = ::testing::TempDir() + "bad_rules.supp";
  std::ofstream(path) << "# ok\nlock-order-inversion:*legacy*\ndedlock:foo\n";
  const auto r = concheck_test::run_probe("suppressions=" + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("invalid suppressions file: " + path + ":3:"));
}

}  // namespace
}  // namespace concheck::detail
