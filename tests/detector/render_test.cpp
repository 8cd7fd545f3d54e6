// Text, JSON and DOT renderers: golden text reports (UPDATE_GOLDEN=1 rewrites
// tests/detector/golden/*.txt) and properties every layout must have.
#include "concheck/detector/render.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "report_samples.hpp"

namespace concheck::detector {
namespace {

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(CONCHECK_GOLDEN_DIR) + "/" + name;
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream file(path, std::ios::binary);
  ASSERT_TRUE(file) << "missing golden file " << path << "; run with UPDATE_GOLDEN=1 to create it";
  std::stringstream expected;
  expected << file.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden " << path << " differs; if the change is intended, "
                                    << "rerun with UPDATE_GOLDEN=1 and review the diff";
}

TEST(RenderText, GoldenBankInversion) {
  expect_golden("bank_inversion.txt", render_text(samples::bank_inversion()));
}

TEST(RenderText, GoldenBankInversionWithInternalFrames) {
  text_options options;
  options.show_internal_frames = true;
  expect_golden("bank_inversion_internal.txt", render_text(samples::bank_inversion(), options));
}

TEST(RenderText, GoldenBankInversionColor) {
  text_options options;
  options.color = true;
  expect_golden("bank_inversion_color.txt", render_text(samples::bank_inversion(), options));
}

TEST(RenderText, GoldenUnnamedLocks) {
  expect_golden("unnamed_inversion.txt", render_text(samples::unnamed_inversion()));
}

TEST(RenderText, GoldenDeadlock) {
  expect_golden("deadlock.txt", render_text(samples::ab_ba_deadlock()));
}

TEST(RenderText, GoldenLostWakeup) {
  expect_golden("lost_wakeup.txt", render_text(samples::lost_wakeup()));
}

TEST(RenderText, GoldenSelfDeadlock) {
  expect_golden("self_deadlock.txt", render_text(samples::self_deadlock()));
}

TEST(RenderText, GoldenDestroyLocked) {
  expect_golden("destroy_locked.txt", render_text(samples::destroy_locked()));
}

TEST(RenderDot, GoldenBankAndDeadlock) {
  expect_golden("bank.dot",
                render_dot({samples::bank_inversion(), samples::lost_wakeup(), samples::self_deadlock()}));
}

TEST(RenderText, BankReportNamesEverythingInTheUsersWords) {
  std::string text = render_text(samples::bank_inversion());
  EXPECT_NE(text.find("concheck: lock-order-inversion (potential deadlock)"), std::string::npos);
  EXPECT_NE(text.find("'accounts[3]' => 'audit' => 'accounts[3]'"), std::string::npos);
  EXPECT_NE(text.find("Thread 'worker-1' (T2) acquired 'audit' at bank.cpp:40 in transfer() while holding "
                      "'accounts[3]' (acquired at bank.cpp:38)"),
            std::string::npos);
  // The summary points at the user's frame, never into a std header.
  EXPECT_NE(text.find("SUMMARY: concheck: lock-order-inversion bank.cpp:52 in audit_all()"),
            std::string::npos);
  EXPECT_EQ(text.find("std_mutex.h"), std::string::npos);
  EXPECT_NE(text.find("frames inside concheck and the standard library hidden"), std::string::npos);
  EXPECT_NE(text.find("hint: acquire these locks in one global order"), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);  // no colour unless asked
}

TEST(RenderText, InternalFramesShownOnRequest) {
  text_options options;
  options.show_internal_frames = true;
  std::string text = render_text(samples::bank_inversion(), options);
  EXPECT_NE(text.find("std_mutex.h:229"), std::string::npos);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
}

TEST(RenderText, MaxFramesLimitsEachStack) {
  text_options options;
  options.max_frames = 1;
  std::string text = render_text(samples::bank_inversion(), options);
  EXPECT_NE(text.find("... 1 more frame"), std::string::npos);
  EXPECT_EQ(text.find("worker_main"), std::string::npos);
}

// Locks the program made without concheck are named by id, with the line
// where concheck first saw them used, said as such (not "created at").
TEST(RenderText, UnnamedLocksFallBackToTypeIdAndFirstUse) {
  std::string text = render_text(samples::unnamed_inversion());
  EXPECT_NE(text.find("std::mutex M11 (first locked at file.cpp:12) => std::shared_mutex M12 => lock M13 => "
                      "std::mutex M11 (first locked at file.cpp:12)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hint: take the shared lock last"), std::string::npos);
  EXPECT_NE(text.find("(shared)"), std::string::npos);
}

TEST(RenderNames, PlainPthreadLocksSayWhatTheyAre) {
  lock_ref plain{5, "", "pthread_mutex_t", 0x1000,
                 samples::creation_site("transfer", "/src/bank_std_buggy.cpp", 19)};
  EXPECT_EQ(lock_display_name(plain), "mutex M5 (first locked at bank_std_buggy.cpp:19)");
  EXPECT_EQ(lock_type_display(plain), "std::mutex or pthread_mutex_t");
  EXPECT_EQ(lock_site_label(plain), "first locked at");
  lock_ref rw{6, "", "pthread_rwlock_t", 0x2000, {}};
  EXPECT_EQ(lock_display_name(rw), "shared mutex M6");
  lock_ref primitive{7, "", "concheck::mutex", 0x3000, samples::creation_site("main", "/src/a.cpp", 4)};
  EXPECT_EQ(lock_display_name(primitive), "concheck::mutex at a.cpp:4");
  EXPECT_EQ(lock_site_label(primitive), "created at");
  primitive.name = "audit";
  EXPECT_EQ(lock_display_name(primitive), "'audit'");
}

TEST(RenderText, LongCycleIsDrawnWhole) {
  finding f = samples::long_cycle(42);
  std::string text = render_text(f);
  for (int i = 0; i < 42; ++i) {
    EXPECT_NE(text.find("'ring[" + std::to_string(i) + "]' =>"), std::string::npos) << i;
  }
  EXPECT_NE(text.find("ring.cpp:51"), std::string::npos);  // the last edge's site
}

TEST(RenderText, DeadlockListsEveryThreadWithHoldsAndWaits) {
  std::string text = render_text(samples::ab_ba_deadlock());
  EXPECT_NE(
      text.find("Thread 'worker-1' (T2) holds 'accounts[3]' (acquired at bank.cpp:38 in transfer()) and "
                "waits for 'audit' at bank.cpp:40 in transfer()"),
      std::string::npos);
  EXPECT_NE(text.find("Thread 'auditor' (T3) holds 'audit'"), std::string::npos);
  EXPECT_NE(text.find("Replay: CONCHECK_REPLAY=v1:random:42:17"), std::string::npos);
}

TEST(RenderText, EveryKindHasHeadlineSummaryAndHint) {
  for (const auto& f : samples::one_of_each_kind()) {
    std::string text = render_text(f);
    std::string kind(to_string(f.kind));
    EXPECT_EQ(text.rfind("==================\nconcheck: " + kind + " (", 0), 0u) << kind;
    EXPECT_NE(text.find("SUMMARY: concheck: " + kind + " all.cpp:"), std::string::npos) << text;
    EXPECT_NE(text.find("\nhint: " + std::string(hint_for(f)) + "\n"), std::string::npos) << kind;
    EXPECT_EQ(text.substr(text.size() - 19), "==================\n") << kind;
  }
}

TEST(RenderText, EmptyFindingDoesNotCrash) {
  finding f;
  std::string text = render_text(f);
  EXPECT_NE(text.find("SUMMARY: concheck: lock-order-inversion <unknown>"), std::string::npos);
  EXPECT_EQ(render_json(f).front(), '{');
  EXPECT_NE(render_dot({f}).find("digraph"), std::string::npos);
}

TEST(RenderNames, SiteFallsBackToFramesThenModuleOffset) {
  site s;
  EXPECT_EQ(site_display(s), "<unknown>");
  s.frames.push_back(frame{0x1234, "/lib/libfoo.so", 0x34, "", "", 0, false});
  EXPECT_EQ(site_display(s), "libfoo.so+0x34");
  s.frames.insert(s.frames.begin(), frame{0, "", 0, "std::mutex::lock", "/usr/include/m.h", 3, true});
  s.frames.push_back(frame{0, "", 0, "never_shown", "", 0, false});
  EXPECT_EQ(site_display(s), "libfoo.so+0x34");
  s.function = "ns::f(int)";
  s.file = "/a/b/c.cpp";
  s.line = 9;
  EXPECT_EQ(site_display(s), "c.cpp:9 in ns::f(int)");
}

TEST(RenderJson, OneLineWithTheDocumentedTopLevelFields) {
  std::string line = render_json(samples::bank_inversion());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.rfind("{\"schema_version\":1,\"kind\":\"lock-order-inversion\",", 0), 0u) << line;
  for (const char* field :
       {"\"message\":", "\"hint\":", "\"threads\":", "\"locks\":", "\"sites\":", "\"cycle\":", "\"states\":",
        "\"test\":\"Bank.TransfersAndAudit\"", "\"replay\":", "\"pid\":4242",
        "\"acquired\":{\"function\":\"transfer\",\"file\":\"/home/ada/bank/bank.cpp\",\"line\":40"}) {
    EXPECT_NE(line.find(field), std::string::npos) << field;
  }
}

TEST(RenderJson, InvalidUtf8InSymbolsIsReplacedNotThrown) {
  finding f;
  f.message = std::string("bad \xff byte");
  std::string line;
  ASSERT_NO_THROW(line = render_json(f));
  EXPECT_NE(line.find("bad "), std::string::npos);
}

TEST(RenderDot, CycleEdgesAreRedAndLabelled) {
  std::string dot = render_dot({samples::bank_inversion()});
  EXPECT_NE(dot.find("\"p4242_L3\" -> \"p4242_L7\" [color=red"), std::string::npos) << dot;
  EXPECT_NE(dot.find("'worker-1' (T2)\\nbank.cpp:40 in transfer()"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"p4242_L7\" -> \"p4242_L3\""), std::string::npos);
}

TEST(RenderDot, EscapesQuotesAndBackslashes) {
  finding f = samples::bank_inversion();
  f.locks[0].name = "a\"b\\c";
  std::string dot = render_dot({f});
  EXPECT_NE(dot.find("'a\\\"b\\\\c'"), std::string::npos) << dot;
}

TEST(RenderDot, NothingToDrawSaysSo) {
  std::string dot = render_dot({samples::destroy_locked()});
  EXPECT_NE(dot.find("no lock-order cycles"), std::string::npos);
}

}  // namespace
}  // namespace concheck::detector
