// The log records that are not findings (notices, thread-dump records): they
// round-trip through JSON, render as the text log shows them, and a record of
// an unknown kind is recognised rather than rejected. json_lines_reader: lines,
// a cut last line, the length cap, NUL bytes. printable(): control bytes from
// logs and suppressions files never reach a terminal raw. dot_stream equals
// render_dot.
#include "concheck/detector/log_records.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <variant>

#include "concheck/detector/render.hpp"
#include "concheck/detector/suppressions.hpp"
#include "report_samples.hpp"

namespace concheck::detector {
namespace {

dumped_thread sample_dumped_thread() {
  dumped_thread t;
  t.pid = 4242;
  t.dump = 2;
  t.index = 1;
  t.count = 3;
  t.thread = thread_ref{3, "auditor", samples::creation_site("main", "/home/ada/bank/bank_test.cpp", 21)};
  lock_ref audit;
  audit.id = 7;
  audit.name = "audit";
  audit.type = "concheck::mutex";
  audit.address = 0x7ffd2000;
  audit.created = samples::creation_site("bank::bank", "/home/ada/bank/bank.cpp", 15);
  t.holds.push_back({audit, true, samples::user_site("run_audit", "/home/ada/bank/bank.cpp", 47)});
  t.wait = dumped_wait{"lock", 3, "'accounts[3]'", false,
                       samples::user_site("audit_all", "/home/ada/bank/bank.cpp", 52)};
  return t;
}

// Sites in code without debug information: module+offset and function,
// never "created at :0".
TEST(LogRecords, DumpedThreadWithoutFilesShowsModuleAndOffset) {
  auto no_file = [](std::string function, std::uint64_t offset) {
    site s;
    s.function = function;
    s.frames.push_back(
        frame{0x7f0000000000 + offset, "/usr/lib/libpython3.11.so.1.0", offset, function, "", 0, false});
    return s;
  };
  dumped_thread t;
  t.thread = thread_ref{2, "", no_file("PyThread_start_new_thread", 0x2000)};
  lock_ref lock;
  lock.id = 4;
  lock.name = "gil";
  t.holds.push_back({lock, false, no_file("take_gil", 0x3000)});
  t.wait = dumped_wait{"lock", 5, "'queue'", false, no_file("PyThread_acquire_lock_timed", 0x1a2b3c)};
  EXPECT_EQ(render_text(t),
            "T2 created at libpython3.11.so.1.0+0x2000 in PyThread_start_new_thread()\n"
            "  holds 'gil' acquired at libpython3.11.so.1.0+0x3000 in take_gil()\n"
            "  waits for 'queue' at libpython3.11.so.1.0+0x1a2b3c in PyThread_acquire_lock_timed()\n");
}

TEST(LogRecords, NoticeRoundTrips) {
  const notice n{"warning", "every thread has been blocked for 2 s", 77};
  auto parsed = parse_log_record(render_json(n));
  ASSERT_TRUE(parsed) << parsed.error;
  ASSERT_TRUE(std::holds_alternative<notice>(*parsed.value));
  EXPECT_EQ(render_json(std::get<notice>(*parsed.value)), render_json(n));
  EXPECT_EQ(render_text(n), "concheck: warning: every thread has been blocked for 2 s\n");
}

TEST(LogRecords, NoticeOfSeveralLinesKeepsItsLinesAndEscapesOtherControlBytes) {
  const notice n{"note", "options:\n  help  bool\x1b[31m\n", 7};
  EXPECT_EQ(render_text(n), "concheck: note: options:\n  help  bool\\x1b[31m\n");
}

TEST(LogRecords, DumpedThreadRoundTripsAndRendersLikeTheTextDump) {
  dumped_thread t = sample_dumped_thread();
  const std::string line = render_json(t);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"("record":"thread-dump")"), std::string::npos);
  EXPECT_NE(line.find(R"("state":"waiting")"), std::string::npos);
  auto parsed = parse_log_record(line);
  ASSERT_TRUE(parsed) << parsed.error;
  ASSERT_TRUE(std::holds_alternative<dumped_thread>(*parsed.value));
  EXPECT_EQ(render_json(std::get<dumped_thread>(*parsed.value)), line);
  EXPECT_EQ(render_text(t),
            "T3 'auditor' created at /home/ada/bank/bank_test.cpp:21\n"
            "  holds 'audit' (shared) acquired at /home/ada/bank/bank.cpp:47\n"
            "  waits for 'accounts[3]' at /home/ada/bank/bank.cpp:52\n");
  t.wait.reset();
  EXPECT_NE(render_text(t).find("\n  running\n"), std::string::npos);
  auto running = parse_log_record(render_json(t));
  ASSERT_TRUE(running) << running.error;
  EXPECT_EQ(render_json(std::get<dumped_thread>(*running.value)), render_json(t));
  t.consistent = false;
  t.holds.clear();
  EXPECT_EQ(render_text(t), "T3 'auditor' created at /home/ada/bank/bank_test.cpp:21\n  (state changing)\n");
  auto changing = parse_log_record(render_json(t));
  ASSERT_TRUE(changing) << changing.error;
  EXPECT_EQ(render_json(std::get<dumped_thread>(*changing.value)), render_json(t));
}

TEST(LogRecords, AccessSummaryRecordsRoundTripAndRenderOneLineEach) {
  accessed_location global;
  global.pid = 9;
  global.count = 2;
  global.memory = {"global", "g_requests", 0x55aa00, 64, 0, 0, {}};
  global.sharing = "thread-local";
  global.thread = {3, "worker", {}};
  accessed_location heap;
  heap.pid = 9;
  heap.index = 1;
  heap.count = 2;
  heap.memory = {"heap", "", 0x7f00001000, 24, 0, 1, samples::creation_site("main", "/src/stats.cpp", 35)};
  heap.blocks = 3;
  heap.sharing = "locked";
  heap.locks = {samples::make_lock(4, "stats_mu", "std::mutex", 0, {})};
  for (const accessed_location& l : {global, heap}) {
    const std::string line = render_json(l);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_NE(line.find(R"("record":"access-summary")"), std::string::npos);
    auto parsed = parse_log_record(line);
    ASSERT_TRUE(parsed) << parsed.error;
    ASSERT_TRUE(std::holds_alternative<accessed_location>(*parsed.value));
    EXPECT_EQ(render_json(std::get<accessed_location>(*parsed.value)), line);
  }
  EXPECT_EQ(render_text(global), "  thread-local  global 'g_requests' (64 bytes), only 'worker' (T3)\n");
  EXPECT_EQ(render_text(heap),
            "  locked        3 heap blocks (up to 24 bytes) allocated at stats.cpp:35 in main(), under "
            "'stats_mu'\n");
  heap.sharing = "thread-local";
  EXPECT_EQ(
      render_text(heap),
      "  thread-local  3 heap blocks (up to 24 bytes) allocated at stats.cpp:35 in main(), each block by one "
      "thread\n");
}

TEST(LogRecords, FindingsStillParseAndUnknownRecordsAreRecognised) {
  auto f = parse_log_record(render_json(samples::bank_inversion()));
  ASSERT_TRUE(f) << f.error;
  EXPECT_EQ(render_json(std::get<finding>(*f.value)), render_json(samples::bank_inversion()));
  auto unknown = parse_log_record(R"({"schema_version":1,"record":"heartbeat","anything":[1,2]})");
  ASSERT_TRUE(unknown) << unknown.error;
  EXPECT_EQ(std::get<unknown_record>(*unknown.value).record, "heartbeat");
}

TEST(LogRecords, BadRecordsAreErrorsNamingTheField) {
  EXPECT_EQ(parse_log_record(R"({"record":"notice"})").error,
            "missing 'schema_version' (not a concheck report?)");
  EXPECT_EQ(parse_log_record(R"({"schema_version":2,"record":"notice"})").error,
            "unsupported schema_version 2 (this concheck reads version 1)");
  EXPECT_EQ(parse_log_record(R"({"schema_version":1,"record":7})").error,
            "field 'record': expected a string, got number");
  EXPECT_EQ(
      parse_log_record(R"({"schema_version":1,"record":"thread-dump","holds":[{"lock":{"id":"x"}}]})").error,
      "field 'holds[0].lock.id': expected an unsigned integer, got string");
  EXPECT_EQ(parse_log_record(R"({"schema_version":1,"record":"thread-dump","waits":{"timed":1}})").error,
            "field 'waits.timed': expected true or false, got number");
}

TEST(LogRecords, EveryKindTheRuntimeWritesIsKnownToTheReader) {
  for (std::string_view kind : kLogRecordKinds) {
    auto parsed = parse_log_record(fmt::format(R"({{"schema_version":1,"record":"{}"}})", kind));
    ASSERT_TRUE(parsed) << kind << ": " << parsed.error;
    EXPECT_FALSE(std::holds_alternative<unknown_record>(*parsed.value)) << kind;
  }
}

TEST(JsonLinesReader, HandsOutLinesAndMarksACutLastLine) {
  std::istringstream in("a\n\nbc\nlast");
  json_lines_reader reader(in);
  std::string line;
  ASSERT_EQ(reader.next(line), json_lines_reader::status::line);
  EXPECT_EQ(line, "a");
  EXPECT_FALSE(reader.unterminated());
  ASSERT_EQ(reader.next(line), json_lines_reader::status::line);
  EXPECT_EQ(line, "");
  ASSERT_EQ(reader.next(line), json_lines_reader::status::line);
  EXPECT_EQ(line, "bc");
  ASSERT_EQ(reader.next(line), json_lines_reader::status::line);
  EXPECT_EQ(line, "last");
  EXPECT_TRUE(reader.unterminated());
  EXPECT_EQ(reader.line_number(), 4);
  EXPECT_EQ(reader.next(line), json_lines_reader::status::end);
  EXPECT_EQ(reader.bytes_read(), 10u);
}

TEST(JsonLinesReader, LinesLongerThanTheCapStopTheReading) {
  // Lines span chunk boundaries; the cap counts the whole line.
  const std::string fits(json_lines_reader::kChunkBytes + 10, 'x');
  std::istringstream in(fits + "\n" + fits + "y\nnext\n");
  json_lines_reader reader(in, fits.size());
  std::string line;
  ASSERT_EQ(reader.next(line), json_lines_reader::status::line);
  EXPECT_EQ(line, fits);
  EXPECT_EQ(reader.next(line), json_lines_reader::status::too_long);
  EXPECT_EQ(reader.line_number(), 2);
  EXPECT_EQ(reader.next(line), json_lines_reader::status::end);
}

TEST(JsonLinesReader, NulBytesStopTheReadingWithTheirColumn) {
  std::istringstream in(std::string("ok\nab\0c\n", 8));
  json_lines_reader reader(in);
  std::string line;
  ASSERT_EQ(reader.next(line), json_lines_reader::status::line);
  EXPECT_EQ(reader.next(line), json_lines_reader::status::nul_byte);
  EXPECT_EQ(reader.line_number(), 2);
  EXPECT_EQ(reader.nul_column(), 3u);
}

TEST(Printable, EscapesControlBytesOnly) {
  EXPECT_EQ(printable("plain 'name' ü"), "plain 'name' ü");
  EXPECT_EQ(printable("a\x1b[2Jb\x07\t\n\r\x7f"), "a\\x1b[2Jb\\x07\\t\\n\\r\\x7f");
}

TEST(Printable, TextReportsEscapeEveryStringOfAFinding) {
  finding f = samples::bank_inversion();
  f.message = "m\x1b";
  f.threads[0].name = "t\x1b";
  f.locks[0].name = "l\x1b";
  f.cycle[0].acquired.file = "/f\x1b.cpp";
  f.cycle[0].acquired.frames.back().function = "g\x1b()";
  text_options all;
  all.show_internal_frames = true;
  const std::string text = render_text(f, all);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  for (const char* escaped : {"m\\x1b", "t\\x1b", "l\\x1b", "f\\x1b.cpp", "g\\x1b()"})
    EXPECT_NE(text.find(escaped), std::string::npos) << escaped << "\n" << text;
  // JSON keeps the bytes, escaped its own way.
  auto parsed = parse_log_record(render_json(f));
  ASSERT_TRUE(parsed) << parsed.error;
  EXPECT_EQ(render_json(std::get<finding>(*parsed.value)), render_json(f));
}

TEST(Printable, SuppressionsSummaryAndErrorsEscapeTheFilesBytes) {
  auto parsed = suppressions::parse("lock-order-inversion:evil\x1b*\n", "supp.txt");
  ASSERT_TRUE(parsed) << parsed.error;
  suppressions rules = std::move(*parsed.value);
  finding f = samples::bank_inversion();
  f.sites[0].function = "evil\x1b()";
  for (frame& fr : f.sites[0].frames) fr.function = "evil\x1b()";
  ASSERT_TRUE(rules.match(f));
  EXPECT_EQ(rules.summary(), "concheck: suppressed 1 finding: 1 lock-order-inversion:evil\\x1b*\n");
  auto bad = suppressions::parse("dead\x1b[2Jlock:*\n", "supp.txt");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error.find('\x1b'), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("dead\\x1b[2Jlock"), std::string::npos) << bad.error;
}

TEST(DotStream, EqualsRenderDot) {
  const std::vector<finding> findings = {samples::bank_inversion(), samples::lost_wakeup(),
                                         samples::self_deadlock(), samples::bank_inversion()};
  dot_stream stream;
  std::string out = dot_stream::begin();
  for (const auto& f : findings) out += stream.add(f);
  out += stream.end();
  EXPECT_EQ(out, render_dot(findings));
  dot_stream none;
  EXPECT_EQ(dot_stream::begin() + none.end(), render_dot({}));
}

}  // namespace
}  // namespace concheck::detector
