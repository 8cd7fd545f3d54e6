// concheck runtime: findings as seen by a test framework. INTERNAL: may change
// in any release; use <concheck/gtest.hpp> instead.
//
// The GoogleTest integration (runtime/gtest, library concheck::gtest) is built
// apart from the runtime and sees none of its private headers; this is the
// narrow seam it uses: name the running test (stamped on every finding) and
// receive every reported finding, reduced to what a test failure needs.
// Implemented in runtime/src/primitive_test_events.cpp on top of the report
// sink (report_sink.hpp).
#pragma once

#include <functional>
#include <string>

namespace concheck::detail {

struct test_finding {
  std::string kind;  // stable kind name, e.g. "lock-order-inversion"
  std::string test;  // test running when it was reported ("Suite.Name"), or ""
  std::string file;  // the finding's first user site ("" when unknown)
  int line = 0;
  std::string report;         // the rendered text report
  bool ends_process = false;  // a real deadlock: the process ends after the listeners ran
  bool logged = true;         // the report was also written to concheck's log
};

// Calls `listener` for every finding reported from now on (not duplicates or
// suppressed ones), from the reporting thread, with none of concheck's
// internal locks held. The listener must not block on the program's locks.
// Registering one makes the listener the place reports are shown: a finding
// that lets the process go on is then not written to the log unless
// `log_path` is set (logged == false), and the listener must show the report
// (in a test failure) or, when it cannot, write it to stderr itself.
void add_test_finding_listener(std::function<void(const test_finding&)> listener);

// Names the test now running ("Suite.Name"; "" or nullptr between tests).
void set_running_test(const char* name);

}  // namespace concheck::detail
