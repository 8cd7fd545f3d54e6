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

TEST(RenderText, GoldenStdMutexNamesFromTheProgram) {
  expect_golden("std_inversion.txt", render_text(samples::std_mutex_inversion()));
}

TEST(RenderText, GoldenJoinWhileHolding) {
  expect_golden("join_deadlock.txt", render_text(samples::join_while_holding()));
}

// data-race: both accesses with what each thread held, then the memory.
TEST(RenderText, GoldenDataRaceOnAGlobal) {
  expect_golden("data_race_global.txt", render_text(samples::global_race()));
}

TEST(RenderText, GoldenDataRaceOnAHeapBlockNamesItsAllocationSite) {
  const std::string text = render_text(samples::heap_race());
  expect_golden("data_race_heap.txt", text);
  EXPECT_NE(text.find("allocated at stats.cpp:35 in main()"), std::string::npos) << text;
  EXPECT_NE(text.find("Conflicting earlier atomic write of 8 bytes at stats.cpp:15"), std::string::npos)
      << text;
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

// Locks the program made without concheck, which nothing names, go by type
// and id; the Locks: section gives the line where concheck first saw them
// used, said as such (not "created at").
TEST(RenderText, UnnamedLocksFallBackToTypeIdAndFirstUse) {
  std::string text = render_text(samples::unnamed_inversion());
  EXPECT_NE(text.find("Cycle: std::mutex M11 => std::shared_mutex M12 => lock M13 => std::mutex M11\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    std::mutex M11: std::mutex, first locked at file.cpp:12, address 0x5581000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hint: take the shared lock last"), std::string::npos);
  EXPECT_NE(text.find("(shared)"), std::string::npos);
}

TEST(RenderNames, PlainPthreadLocksSayWhatTheyAre) {
  lock_ref plain = samples::make_lock(5, "", "pthread_mutex_t", 0x1000,
                                      samples::creation_site("transfer", "/src/bank_std_buggy.cpp", 19));
  EXPECT_EQ(lock_display_name(plain), "mutex M5 (first locked at bank_std_buggy.cpp:19)");
  EXPECT_EQ(lock_type_display(plain), "pthread_mutex_t");
  // A mutex the runtime could not tell from a std::mutex.
  lock_ref untold = samples::make_lock(8, "", "mutex", 0x1000, {});
  EXPECT_EQ(lock_display_name(untold), "mutex M8");
  EXPECT_EQ(lock_type_display(untold), "std::mutex or pthread_mutex_t");
  EXPECT_EQ(lock_site_label(plain), "first locked at");
  // A pthread_rwlock_t is an rwlock, whatever mode it is taken in.
  lock_ref rw = samples::make_lock(6, "", "pthread_rwlock_t", 0x2000, {});
  EXPECT_EQ(lock_display_name(rw), "rwlock M6");
  lock_ref primitive =
      samples::make_lock(7, "", "concheck::mutex", 0x3000, samples::creation_site("main", "/src/a.cpp", 4));
  EXPECT_EQ(lock_display_name(primitive), "concheck::mutex at a.cpp:4");
  EXPECT_EQ(lock_site_label(primitive), "created at");
  primitive.name = "audit";
  EXPECT_EQ(lock_display_name(primitive), "'audit'");
}

// Issue 9 item 10: an unnamed lock is called what the program calls it, once
// described in "Locks:", by its short name everywhere else.
TEST(RenderNames, UnnamedLocksGoByTheProgramsNames) {
  lock_ref from_source = samples::make_lock(5, "", "std::mutex", 0x1000,
                                            samples::user_site("Cache::get(int) const", "/src/t.cpp", 10));
  from_source.variable = "m";
  from_source.variable_from = "source";
  EXPECT_EQ(lock_display_name(from_source), "'m' (Cache::get, t.cpp:10)");
  lock_ref global =
      samples::make_lock(6, "", "pthread_mutex_t", 0x2000, samples::user_site("f", "/src/t.cpp", 3));
  global.variable = "g_cache+16";
  global.variable_from = "symbol";
  EXPECT_EQ(lock_display_name(global), "'g_cache+16'");
  finding f;
  f.locks = {from_source, global};
  EXPECT_EQ(lock_display_name(f, 5), "'m'");
  EXPECT_EQ(lock_display_name(f, 6), "'g_cache+16'");
  // Two locks with one name are told apart by id.
  lock_ref twin = from_source;
  twin.id = 9;
  f.locks.push_back(twin);
  EXPECT_EQ(lock_display_name(f, 5), "'m' (M5)");
  EXPECT_EQ(lock_display_name(f, 9), "'m' (M9)");
}

TEST(RenderText, EachLockIsDescribedOnceAndCalledByItsShortName) {
  std::string text = render_text(samples::std_mutex_inversion());
  EXPECT_NE(text.find("Cycle: 'from.guard' (M1) => 'to.guard' => 'g_journal' => 'from.guard' (M2) => "
                      "'from.guard' (M1)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("first locked at bank_std.cpp:19)"), std::string::npos) << text;
  EXPECT_NE(text.find("  Locks:\n    'from.guard' (M1): std::mutex, first locked at bank_std.cpp:19 in "
                      "transfer(), address 0x7ffc10\n"),
            std::string::npos)
      << text;
  // A pthread_rwlock_t read-locked says so in pthread's words.
  EXPECT_NE(text.find("acquired 'g_journal' (read) at"), std::string::npos) << text;
  // Locks are described once: "first locked at" only in the four Locks: lines.
  std::size_t described = 0;
  for (auto at = text.find("first locked at"); at != std::string::npos;
       at = text.find("first locked at", at + 1))
    ++described;
  EXPECT_EQ(described, 4u) << text;
  EXPECT_GT(text.find("first locked at"), text.find("  Locks:")) << text;
}

TEST(RenderText, JoinWhileHoldingGetsItsOwnHint) {
  std::string text = render_text(samples::join_while_holding());
  EXPECT_NE(
      text.find("hint: don't join a thread while holding a lock it needs: release the lock before join()"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("global order"), std::string::npos) << text;
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

// A frame with no source file (a library built without debug info, an
// interpreter's shared object) is placed by its module and offset, which
// addr2line turns into a line; its function, when the symbol table knows it,
// follows as it does after file:line.
frame unsymbolized_frame(std::string function, std::uint64_t offset) {
  return frame{0x7f1200000000 + offset,
               "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
               offset,
               std::move(function),
               "",
               0,
               false};
}

site unsymbolized_site(std::string function, std::uint64_t offset) {
  site s;
  s.function = function;
  s.frames.push_back(frame{0x7f0000002000, "/usr/lib/x86_64-linux-gnu/libc.so.6", 0x2000,
                           "pthread_mutex_lock", "", 0, true});
  s.frames.push_back(unsymbolized_frame(std::move(function), offset));
  s.frames.push_back(unsymbolized_frame("", 0x99));
  return s;
}

TEST(RenderNames, SiteWithoutFileGivesModuleOffsetAndFunction) {
  site s = unsymbolized_site("PyThread_acquire_lock_timed", 0x1a2b3c);
  EXPECT_EQ(site_display(s), "libpython3.11.so.1.0+0x1a2b3c in PyThread_acquire_lock_timed()");
  // The frame that gives the module is the site's own, not merely the first user frame.
  s.frames.insert(s.frames.begin() + 1, unsymbolized_frame("PyEval_EvalFrameDefault", 0x400));
  EXPECT_EQ(site_display(s), "libpython3.11.so.1.0+0x1a2b3c in PyThread_acquire_lock_timed()");
  // Code with no module (JIT output): its address.
  site jitted;
  jitted.function = "jitted_body";
  jitted.frames.push_back(frame{0x7f00deadbe00, "", 0, "jitted_body", "", 0, false});
  EXPECT_EQ(site_display(jitted), "pc 0x7f00deadbe00 in jitted_body()");
  // Only a function: no dangling "in" after a caller's "at".
  site bare;
  bare.function = "PyThread_acquire_lock_timed";
  EXPECT_EQ(site_display(bare), "PyThread_acquire_lock_timed()");
}

// Every place a text report names a site (acquired at, waits at, created at,
// first locked at, SUMMARY) and every frame line: module+offset where there
// is no file, never an empty "at " or a ":0".
TEST(RenderText, FramesWithoutFileShowModuleAndOffsetEverywhere) {
  finding f;
  f.kind = finding_kind::lock_order_inversion;
  thread_ref t1{1, "", unsymbolized_site("PyThread_start_new_thread", 0x2000)};
  thread_ref t2{2, "", unsymbolized_site("PyThread_start_new_thread", 0x2000)};
  f.threads = {t1, t2};
  lock_ref a;
  a.id = 1;
  a.type = "pthread_mutex_t";
  a.created = unsymbolized_site("PyThread_allocate_lock", 0x3000);
  lock_ref b = a;
  b.id = 2;
  f.locks = {a, b};
  cycle_edge first{1,
                   2,
                   1,
                   false,
                   false,
                   unsymbolized_site("PyThread_acquire_lock_timed", 0x1a2b3c),
                   unsymbolized_site("lock_PyThread_acquire_lock", 0x5000)};
  cycle_edge second{2,
                    1,
                    2,
                    false,
                    false,
                    unsymbolized_site("PyThread_acquire_lock_timed", 0x1a2b3c),
                    unsymbolized_site("lock_PyThread_acquire_lock", 0x5000)};
  f.cycle = {first, second};
  const std::string text = render_text(f);
  EXPECT_NE(text.find("Thread T1 acquired mutex M2 at libpython3.11.so.1.0+0x1a2b3c in "
                      "PyThread_acquire_lock_timed() while holding mutex M1 (acquired at "
                      "libpython3.11.so.1.0+0x5000 in lock_PyThread_acquire_lock())"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("#0 PyThread_acquire_lock_timed() "
                      "(/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0+0x1a2b3c)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("#1 <unknown> (/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0+0x99)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("T1: created at libpython3.11.so.1.0+0x2000 in PyThread_start_new_thread()"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("first locked at libpython3.11.so.1.0+0x3000 in PyThread_allocate_lock()"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("SUMMARY: concheck: lock-order-inversion libpython3.11.so.1.0+0x1a2b3c in "
                      "PyThread_acquire_lock_timed()"),
            std::string::npos)
      << text;
  for (const char* broken : {"at in ", " :0", "at :", "at \n", "(acquired at )"}) {
    EXPECT_EQ(text.find(broken), std::string::npos) << broken << "\n" << text;
  }

  finding deadlock;
  deadlock.kind = finding_kind::deadlock;
  deadlock.threads = {t1};
  deadlock.locks = {a};
  deadlock.states = {{1, {}, 1, "", unsymbolized_site("PyThread_acquire_lock_timed", 0x1a2b3c)}};
  const std::string blocked = render_text(deadlock);
  EXPECT_NE(blocked.find("Thread T1 holds no lock and waits for mutex M1 at libpython3.11.so.1.0+0x1a2b3c in "
                         "PyThread_acquire_lock_timed():"),
            std::string::npos)
      << blocked;
}

// A forked child blocks on a lock that a thread of the parent held at fork():
// that thread does not exist in the child, and the report says so instead of
// showing it as a thread that merely "is not waiting".
finding vanished_holder_deadlock() {
  finding f;
  f.kind = finding_kind::deadlock;
  f.threads = {{0, "main", {}}, {1, "holder", samples::creation_site("main", "/src/fork.cpp", 10)}};
  f.locks = {samples::make_lock(5, "", "std::mutex", 0x4050a0,
                                samples::user_site("hold", "/src/fork.cpp", 20), "g_state", "symbol")};
  thread_state child{0, {}, 5, "", samples::user_site("child_work", "/src/fork.cpp", 40)};
  thread_state holder{1, {5}, std::nullopt, "", samples::user_site("hold", "/src/fork.cpp", 20)};
  holder.vanished_at_fork = true;
  f.states = {child, holder};
  f.sites = {child.waiting_at, holder.waiting_at};
  return f;
}

TEST(RenderText, HolderThatVanishedAtForkIsNamedAsSuch) {
  const std::string text = render_text(vanished_holder_deadlock());
  EXPECT_NE(
      text.find("Thread 'main' (T0) holds no lock and waits for 'g_state' at fork.cpp:40 in child_work()"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("Thread 'holder' (T1) of the parent process holds 'g_state' (acquired at fork.cpp:20 in "
                "hold()) and does not exist in this child (fork):\n"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("is not waiting"), std::string::npos) << text;
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
