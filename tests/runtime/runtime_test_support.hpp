// Helpers for the runtime end-to-end tests: collecting the findings the
// runtime reports in this process (through the report sink's listener), and
// creating a thread behind concheck's back.
#pragma once

#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "concheck/detector/finding.hpp"
#include "report_sink.hpp"

namespace runtime_e2e {

using concheck::detector::finding;
using concheck::detector::finding_kind;

// Every finding reported in this process, in order. Tests take a mark() first
// and look only at what came after it (findings are reported once per
// process, and each test uses its own code locations).
class findings_log {
 public:
  static findings_log& instance() {
    static findings_log* log = [] {
      auto* created = new findings_log();
      concheck::detail::add_finding_listener([created](const finding& f, const std::string&) {
        std::lock_guard<std::mutex> guard(created->mutex_);
        created->findings_.push_back(f);
      });
      return created;
    }();
    return *log;
  }

  std::size_t mark() {
    std::lock_guard<std::mutex> guard(mutex_);
    return findings_.size();
  }

  std::vector<finding> since(std::size_t mark, finding_kind kind) {
    std::lock_guard<std::mutex> guard(mutex_);
    std::vector<finding> out;
    for (std::size_t i = mark; i < findings_.size(); ++i) {
      if (findings_[i].kind == kind) out.push_back(findings_[i]);
    }
    return out;
  }

  std::vector<finding> all_since(std::size_t mark) {
    std::lock_guard<std::mutex> guard(mutex_);
    return {findings_.begin() + static_cast<std::ptrdiff_t>(std::min(mark, findings_.size())),
            findings_.end()};
  }

 private:
  std::mutex mutex_;
  std::vector<finding> findings_;
};

// Fixture: start each test with a mark.
class runtime_test : public ::testing::Test {
 protected:
  void SetUp() override { mark_ = findings_log::instance().mark(); }
  std::vector<finding> found(finding_kind kind) { return findings_log::instance().since(mark_, kind); }
  std::vector<finding> found_any() { return findings_log::instance().all_since(mark_); }
  std::size_t mark_ = 0;
};

// Runs `body` on a thread created with libc's own pthread_create, which
// concheck never sees (like a thread created before it was loaded).
void run_on_unseen_thread(void (*body)(void*), void* argument);

// Runs `program scenario` as a child process (tests/support's runner) with
// `environment` ("KEY=value" entries, "" for none) added; returns its exit
// status (-1 if a signal ended it) and, in `output`, stdout and stderr merged.
// The same through a shell: `environment` ("KEY=value ...") and `command`
// (program, arguments, redirections) as one would type them.
int run_command(const std::string& environment, const std::string& command, std::string& output);
int run_command(const std::vector<std::string>& environment, const std::string& program,
                const std::string& scenario, std::string& output);

}  // namespace runtime_e2e
