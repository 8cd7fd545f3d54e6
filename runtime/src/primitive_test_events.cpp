// The test-framework seam (internal/test_events.hpp) over the report sink.
#include <string>
#include <utility>

#include "concheck/detector/finding.hpp"
#include "concheck/internal/test_events.hpp"
#include "report_sink.hpp"

namespace concheck::detail {
namespace {

// The finding's first user site: the detection site, else the first edge's
// acquiring site, else where the first thread waits.
const detector::site* first_site(const detector::finding& finding) {
  for (const detector::site& where : finding.sites) {
    if (!where.file.empty()) return &where;
  }
  for (const detector::cycle_edge& edge : finding.cycle) {
    if (!edge.acquired.file.empty()) return &edge.acquired;
  }
  for (const detector::thread_state& state : finding.states) {
    if (!state.waiting_at.file.empty()) return &state.waiting_at;
  }
  return nullptr;
}

}  // namespace

void add_test_finding_listener(std::function<void(const test_finding&)> listener) {
  add_report_listener([listener = std::move(listener)](const detector::finding& finding,
                                                       const std::string& text_report, bool logged) {
    test_finding reduced;
    reduced.kind = std::string(detector::to_string(finding.kind));
    reduced.test = finding.test;
    if (const detector::site* where = first_site(finding)) {
      reduced.file = where->file;
      reduced.line = where->line;
    }
    reduced.report = text_report;
    reduced.logged = logged;
    reduced.ends_process = finding.kind == detector::finding_kind::deadlock ||
                           finding.kind == detector::finding_kind::self_deadlock;
    listener(reduced);
  });
}

void set_running_test(const char* name) {
  set_current_test(name != nullptr ? std::string(name) : std::string());
}

}  // namespace concheck::detail
