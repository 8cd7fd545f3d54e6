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

// Open from install() until the test program ends; a closed queue refuses
// findings, whose reports the caller must then show some other way.
class finding_queue {
 public:
  bool push(concheck::detail::test_finding finding) {
    lock_.lock();
    const bool accepted = open_;
    if (accepted) pending_.push_back(std::move(finding));
    lock_.unlock();
    return accepted;
  }
  std::vector<concheck::detail::test_finding> take() {
    lock_.lock();
    std::vector<concheck::detail::test_finding> taken = std::move(pending_);
    pending_.clear();
    lock_.unlock();
    return taken;
  }
  std::vector<concheck::detail::test_finding> close() {
    lock_.lock();
    open_ = false;
    std::vector<concheck::detail::test_finding> taken = std::move(pending_);
    pending_.clear();
    lock_.unlock();
    return taken;
  }

 private:
  spin_lock lock_;
  bool open_ = true;
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

// Writes straight to stderr: the process may be about to end, stdio may be locked.
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

  // Nothing can fail a test any more: a report still queued (made after the
  // last iteration) and not in concheck's log goes to stderr, as will later ones.
  void OnTestProgramEnd(const testing::UnitTest& /*unit*/) override {
    for (const concheck::detail::test_finding& finding : queue_.close()) {
      if (!finding.logged) write_stderr(finding.report);
    }
  }

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
  const pid_t installed_in = ::getpid();
  concheck::detail::add_test_finding_listener(
      [queue, installed_in](const concheck::detail::test_finding& finding) {
        if (finding.ends_process) {
          // The process ends right after this call, before GoogleTest can print
          // anything: name the test here. (Not "[  FAILED  ]": inside EXPECT_EXIT
          // this end is the expected outcome.)
          const std::string test = finding.test.empty() ? std::string("(outside any test)") : finding.test;
          write_stderr("[ concheck ] " + test + ": concheck reported " + finding.kind +
                       "; the test program ends now\n");
          return;
        }
        // A death test's child (forked, or re-run with the internal flag) never
        // reaches the end of its test: its report goes to stderr, where the
        // parent's matcher reads it. So does one the queue no longer takes.
        const bool death_test_child =
            ::getpid() != installed_in || !GTEST_FLAG_GET(internal_run_death_test).empty();
        if (death_test_child || !queue->push(finding)) {
          if (!finding.logged) write_stderr(finding.report);
        }
      });
  testing::UnitTest::GetInstance()->listeners().Append(new listener(*queue));
}

}  // namespace concheck::gtest
