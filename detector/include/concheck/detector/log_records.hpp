// concheck detector: the records of a JSON Lines log that are not findings,
// and reading a log one record at a time.
//
// A log written with format=json holds findings (render_json(finding)) and
// records of other kinds, told apart by their `record` field
// (docs/report-format.md, "Other records"): `notice` (a warning or note that
// is not a finding) and `thread-dump` (one record per thread of a thread dump).
// kLogRecordKinds lists every kind a concheck runtime writes; a reader skips
// a `record` it does not know. parse_log_record() reads any of them;
// render_json/render_text here write them. json_lines_reader hands out a
// stream's lines one by one with a cap on their length, so that a reader's
// memory does not grow with the file and binary input fails at once.
// All pure functions or plain objects: no I/O beyond the given stream, no
// global state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detector {

// A warning or note that is not a finding ("every thread is blocked but a
// signal handler may wake them", "already reported; ending the process").
struct notice {
  std::string level;  // "warning" or "note"
  std::string message;
  int pid = 0;
};

// One lock a dumped thread holds.
struct dumped_hold {
  lock_ref lock;
  bool shared = false;
  site acquired;
};

// What a dumped thread is blocked on.
struct dumped_wait {
  std::string kind;          // wait_kind name: "lock", "join", "condition", "semaphore", "barrier"
  std::uint64_t target = 0;  // lock id, thread id, or the object's address
  std::string description;   // in words: "'m'", "T3 to exit", "condition variable 'ready'"
  bool timed = false;        // a wait with a timeout
  site at;
};

// One thread of a thread dump (dump_threads(), the dump_threads_signal): a
// dump of N threads is N records with the same pid and `dump`, `index` 0..N-1.
struct dumped_thread {
  int pid = 0;
  std::uint64_t dump = 0;  // the dump's number in its process, from 1
  std::uint64_t index = 0;
  std::uint64_t count = 0;
  thread_ref thread;
  bool consistent = true;  // false: the thread's state changed under every attempt to read it
  std::vector<dumped_hold> holds;
  std::optional<dumped_wait> wait;  // none: running
};

// One location of the access summary (runtime option access_summary=1,
// docs/race.md): a global variable, or the heap blocks allocated at one site,
// and how the run shared it. A summary of N locations is N records with the
// same pid, `index` 0..N-1.
struct accessed_location {
  int pid = 0;
  std::uint64_t index = 0;
  std::uint64_t count = 0;
  // kind "global" (name: its symbol; size: the bytes the run touched in it) or
  // "heap" (allocated: the site; size: the largest block; address: one block).
  memory_ref memory;
  std::uint64_t blocks = 0;  // heap: blocks allocated at that site that the run touched
  // "thread-local" (one thread used it: `thread`; for heap blocks, each block
  // one thread, `thread` set only if it was the same one), "partitioned"
  // (several threads, each on bytes of its own), "locked" (shared; every
  // shared access held `locks`), "synchronized" (shared, ordered by other
  // synchronization: hand-off, join, atomics), "racy" (a data race was reported).
  std::string sharing;
  thread_ref thread;
  std::vector<lock_ref> locks;
  bool atomic = false;  // some access was atomic
};

// The `record` values a concheck runtime writes besides findings (which have
// no `record` field). A test checks that `concheck report` reads every one.
inline constexpr std::array<std::string_view, 3> kLogRecordKinds = {"notice", "thread-dump",
                                                                    "access-summary"};

// The line a text access summary starts with.
inline constexpr std::string_view kAccessSummaryHeader = "==== concheck: access summary ====\n";

// The line a text thread dump starts with.
inline constexpr std::string_view kThreadDumpHeader = "==== concheck: threads ====\n";

// One line each, no newline.
std::string render_json(const notice& notice);
std::string render_json(const dumped_thread& thread);
std::string render_json(const accessed_location& location);

// "concheck: <level>: <message>\n".
std::string render_text(const notice& notice);
// The thread's lines of a text dump (without kThreadDumpHeader):
//   T0 'main' created at /src/main.cpp:3
//     holds 'm' (shared) acquired at /src/main.cpp:9
//     waits for condition variable 'ready' (with timeout) at /src/main.cpp:12   (or "running")
std::string render_text(const dumped_thread& thread);
// One line of a text access summary (without kAccessSummaryHeader):
//   racy          global 'counter' (4 bytes)
//   locked        2 heap blocks (24 bytes) allocated at stats.cpp:30 by T1, under 'stats_mu'
//   thread-local  global 'g_scratch' (64 bytes), only T2 'worker'
std::string render_text(const accessed_location& location);

// A record of a log whose `record` this concheck does not know.
struct unknown_record {
  std::string record;
};

using log_record = std::variant<finding, notice, dumped_thread, accessed_location, unknown_record>;

struct log_record_parse_result {
  std::optional<log_record> value;  // set on success
  std::string error;                // set on failure: what is wrong, naming the field
  explicit operator bool() const noexcept { return value.has_value(); }
};

// Parses one line of a log: a finding (as parse_finding_json), a notice, a
// thread-dump record, or a record of another kind (schema_version checked,
// the rest ignored).
log_record_parse_result parse_log_record(std::string_view line);

// The longest line a reader accepts: a finding with long stacks is tens of
// KiB, and a thread dump is one record per thread.
inline constexpr std::size_t kMaxLogLineBytes = std::size_t{1} << 20;

// Hands out the lines of a stream one at a time, without their '\n'; memory
// is one line (at most max_line bytes). Stops for good at a line longer than
// max_line or holding a NUL byte, having read at most max_line bytes of it.
class json_lines_reader {
 public:
  enum class status {
    line,       // `line` holds the next line
    end,        // end of input
    too_long,   // line line_number() is longer than max_line
    nul_byte,   // line line_number() holds a NUL byte, at column nul_column()
    read_error  // the stream failed
  };

  static constexpr std::size_t kChunkBytes = 64 * 1024;

  explicit json_lines_reader(std::istream& in, std::size_t max_line = kMaxLogLineBytes);

  status next(std::string& line);
  int line_number() const noexcept { return line_number_; }
  // The line last handed out ended at the end of input without a '\n'.
  bool unterminated() const noexcept { return unterminated_; }
  std::size_t nul_column() const noexcept { return nul_column_; }
  std::size_t bytes_read() const noexcept { return bytes_read_; }

 private:
  std::istream& in_;
  std::size_t max_line_;
  std::unique_ptr<char[]> chunk_;  // kChunkBytes read ahead; [pos_, end_) not handed out yet
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  int line_number_ = 0;
  bool unterminated_ = false;
  bool done_ = false;
  std::size_t nul_column_ = 0;
  std::size_t bytes_read_ = 0;
};

}  // namespace concheck::detector
