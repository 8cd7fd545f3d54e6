// concheck runtime: where findings go.
//
// emit_finding() takes a fully described finding (symbolized sites, names),
// drops it if an equal finding was already reported in this process (see
// detector::finding_key) or a suppression matches it, stamps the pid and the
// current GoogleTest test, renders it (text or JSON Lines, per options) to the
// log (stderr or log_path.<pid>; an unwritable log_path falls back to stderr
// with a warning; see add_report_listener for the one case it is not logged),
// and notifies listeners (the GoogleTest integration).
// A fatal finding (a real deadlock) or halt_on_error then ends the process
// with options().exitcode via _exit after flushing; the caller must hold none
// of concheck's internal locks when calling it. A fatal finding that is a
// duplicate or suppressed still ends the process (its threads cannot go on),
// with a one-line note instead of the report.
// Thread-safe: one internal lock (rank report_sink, internal_lock.hpp), never a
// pthread object; output is written with write(2), so nothing is buffered in stdio.
// Listeners are called after that lock is released.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "concheck/detector/finding.hpp"
#include "concheck/detector/log_records.hpp"
#include "options.hpp"

namespace concheck::detail {

enum class severity : unsigned char {
  report,  // report and continue (unless halt_on_error)
  fatal,   // report and end the process with options().exitcode
};

// Returns true if the finding was reported (false: duplicate or suppressed).
bool emit_finding(detector::finding finding, severity how = severity::report);

// Listeners get every reported finding, with the rendered text report, before
// the process may end. The GoogleTest integration registers one.
using finding_listener = std::function<void(const detector::finding&, const std::string& text_report)>;
void add_finding_listener(finding_listener listener);

// A report listener shows every text report itself (the GoogleTest
// integration puts it in the test's failure). While one is registered, the
// text report of a finding that lets the process go on is left out of the log
// when log_path is not set, so that it is printed once; `logged` tells the
// listener whether the log got it, and a listener that cannot show a report it
// was handed with logged == false must write it to stderr itself. Fatal
// findings, halt_on_error, format=json and a set log_path log as usual.
using report_listener =
    std::function<void(const detector::finding&, const std::string& text_report, bool logged)>;
void add_report_listener(report_listener listener);

// The name of the test now running ("Suite.Name"), stamped on findings; set by
// the GoogleTest integration, "" outside tests.
void set_current_test(std::string name);

// Number of findings reported so far in this process (not counting duplicates
// and suppressed ones).
std::size_t reported_count() noexcept;

// A warning or note that is not a finding ("warning", "note"): in text logs
// "concheck: <level>: <message>", in JSON logs a record of its own kind
// (render_json_notice), so the log stays valid JSON Lines.
void emit_notice(std::string_view level, const std::string& message);

// A thread dump in the log's format: the text dump, or in JSON logs one
// thread-dump record per thread (detector/log_records.hpp), stamped with the
// pid and the dump's number in this process. One write, so that dumps and
// reports do not interleave.
void emit_thread_dump(std::vector<detector::dumped_thread> threads);

// The access summary (access_summary=1) in the log's format: the text
// summary under kAccessSummaryHeader, or one access-summary record per
// location, stamped with the pid and index. One write.
void emit_access_summary(std::vector<detector::accessed_location> locations);

// Reads and parses the suppressions file at `path` and makes it the sink's
// rule set (replacing any earlier one); registers the exit-time summary of
// matched rules. Returns "" or a message naming the file and the problem
// ("cannot read suppressions file 'x': No such file or directory",
// "invalid suppressions file: x:3: unknown finding kind ..."). get_options()
// calls it at start for the `suppressions` option and stops the process on error.
std::string load_suppressions_file(const std::string& path);

// The sink takes log_path, format, color, show_internal_frames, max_frames,
// exitcode and halt_on_error from get_options() on first use. Tests (and
// embedders) may reconfigure it; the log file is reopened on the next write.
void configure_report_sink(const options& config);

// The summary line of matched suppressions ("" when none matched); written to
// the log at exit and before a fatal _exit.
std::string suppressions_summary();

}  // namespace concheck::detail
