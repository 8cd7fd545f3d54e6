// concheck runtime: where findings go.
//
// emit_finding() takes a fully described finding (symbolized sites, names),
// drops it if an equal finding was already reported in this process (see
// detector::finding_key) or a suppression matches it, stamps the pid and the
// current GoogleTest test, renders it (text or JSON Lines, per options) to the
// log (stderr or log_path.<pid>; an unwritable log_path falls back to stderr
// with a warning), and notifies listeners (the GoogleTest integration).
// A fatal finding (a real deadlock) or halt_on_error then ends the process
// with options().exitcode via _exit after flushing; the caller must hold none
// of concheck's internal locks when calling it.
#pragma once

#include <functional>
#include <string>

#include "concheck/detector/finding.hpp"

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

// The name of the test now running ("Suite.Name"), stamped on findings; set by
// the GoogleTest integration, "" outside tests.
void set_current_test(std::string name);

// Number of findings reported so far in this process (not counting duplicates
// and suppressed ones).
std::size_t reported_count() noexcept;

// Writes a line to the log (for dumps and warnings); never fails loudly.
void log_write(const std::string& text);

}  // namespace concheck::detail
