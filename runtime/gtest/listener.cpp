// concheck::gtest: the GoogleTest event listener that turns findings into test
// failures. See concheck/gtest.hpp for the contract.
//
// Findings arrive from any thread, inside concheck's reporting path; the
// listener only queues them (under a spin lock, never a pthread lock, so the
// queue itself produces no lock events) and adds the failures on GoogleTest's
// own thread, at the end of the test they belong to, where ADD_FAILURE_AT is
// always safe and the default printer shows them under that test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "concheck/gtest.hpp"
#include "concheck/internal/test_events.hpp"

namespace concheck::gtest {
namespace {

class spin_lock {
 public:
  void lock() noexcept {
    while (flag_.test_and_set(std::memory_order_acquire)) flag_.wait(true, std::memory_order_relaxed);
  }
  void unlock() noexcept {
    flag_.clear(std::memory_order_release);
    flag_.notify_one();
  }

 private:
  std::atomic_flag flag_;
};

class finding_queue {
 public:
  void push(concheck::detail::test_finding finding) {
    lock_.lock();
    pending_.push_back(std::move(finding));
    lock_.unlock();
  }
  std::vector<concheck::detail::test_finding> take() {
    lock_.lock();
    std::vector<concheck::detail::test_finding> taken = std::move(pending_);
    pending_.clear();
    lock_.unlock();
    return taken;
  }

 private:
  spin_lock lock_;
  std::vector<concheck::detail::test_finding> pending_;
};

std::string full_name(const testing::TestInfo& test) {
  return std::string(test.test_suite_name()) + "." + test.name();
}

void add_failure(const concheck::detail::test_finding& finding, const std::string& preface) {
  const char* file = finding.file.empty() ? "unknown" : finding.file.c_str();
  const int line = finding.file.empty() ? -1 : finding.line;
  ADD_FAILURE_AT(file, line) << preface << "concheck reported " << finding.kind << ":\n" << finding.report;
}

// Writes straight to stderr: the process is about to end, stdio may be locked.
void write_stderr(const std::string& text) noexcept {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + written, text.size() - written);
    if (n <= 0) return;
    written += static_cast<std::size_t>(n);
  }
}

class listener : public testing::EmptyTestEventListener {
 public:
  explicit listener(finding_queue& queue) : queue_(queue) {}

  void OnTestStart(const testing::TestInfo& test) override {
    settle_strays();
    current_ = full_name(test);
    concheck::detail::set_running_test(current_.c_str());
  }

  void OnTestEnd(const testing::TestInfo& /*test*/) override {
    // Still inside the test: ADD_FAILURE_AT lands on it.
    for (const concheck::detail::test_finding& finding : queue_.take()) {
      if (finding.test == current_) {
        add_failure(finding, "");
      } else {
        strays_.push_back(finding);
      }
    }
    concheck::detail::set_running_test(nullptr);
    current_.clear();
  }

  void OnTestIterationEnd(const testing::UnitTest& /*unit*/, int /*iteration*/) override { report_strays(); }

 private:
  // Findings reported between tests wait for the iteration's end.
  void settle_strays() {
    for (concheck::detail::test_finding& finding : queue_.take()) strays_.push_back(std::move(finding));
  }

  // No test runs now, so these failures belong to the whole run: they fail it
  // without being charged to an innocent test.
  void report_strays() {
    settle_strays();
    for (const concheck::detail::test_finding& finding : strays_) {
      const std::string where = finding.test.empty() ? std::string("outside any test")
                                                     : "for test " + finding.test + " after it ended";
      add_failure(finding, "reported " + where + ": ");
    }
    strays_.clear();
  }

  finding_queue& queue_;
  std::string current_;
  std::vector<concheck::detail::test_finding> strays_;
};

std::atomic<bool> g_installed{false};

}  // namespace

bool installed() noexcept {
  return g_installed.load(std::memory_order_acquire);
}

void install() {
  if (g_installed.exchange(true, std::memory_order_acq_rel)) return;
  // Never freed: findings may arrive until the process ends, from any thread.
  auto* queue = new finding_queue();
  concheck::detail::add_test_finding_listener([queue](const concheck::detail::test_finding& finding) {
    if (finding.ends_process) {
      // The process ends right after this call, before GoogleTest can print
      // anything: name the test here. (Not "[  FAILED  ]": inside EXPECT_EXIT
      // this end is the expected outcome.)
      const std::string test = finding.test.empty() ? std::string("(outside any test)") : finding.test;
      write_stderr("[ concheck ] " + test + ": concheck reported " + finding.kind +
                   "; the test program ends now\n");
      return;
    }
    queue->push(finding);
  });
  testing::UnitTest::GetInstance()->listeners().Append(new listener(*queue));
}

}  // namespace concheck::gtest
