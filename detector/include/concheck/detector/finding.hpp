// concheck detector: the report model.
//
// A finding is one problem the detector found, fully described in the user's
// vocabulary (thread names, lock names, symbolized sites), ready for a renderer
// (text, JSON Lines, DOT; see render.hpp). Findings are plain values: the
// runtime fills them from its registry and stack depot, the analyzer from its
// diagnostics, `concheck report` by parsing saved JSON Lines, tests by hand.
//
// The kind names are stable (docs/design.md, Vocabulary): they appear in reports,
// JSON, suppressions, docs and tests. See docs/report-format.md for the JSON
// schema built from these structs (schema_version below).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace concheck::detector {

inline constexpr int kReportSchemaVersion = 1;

// The kinds and everything said about each (name, headline, hint, site
// labels) are one list: finding_kinds.inc.
enum class finding_kind : std::uint8_t {
#define CONCHECK_FINDING_KIND(enumerator, ...) enumerator,
#include "concheck/detector/finding_kinds.inc"
#undef CONCHECK_FINDING_KIND
};

// Every kind, in the enum's order.
inline constexpr finding_kind kAllFindingKinds[] = {
#define CONCHECK_FINDING_KIND(enumerator, ...) finding_kind::enumerator,
#include "concheck/detector/finding_kinds.inc"
#undef CONCHECK_FINDING_KIND
};

// Stable name, e.g. "lock-order-inversion".
std::string_view to_string(finding_kind kind) noexcept;
// Inverse of to_string; nullopt for an unknown name.
std::optional<finding_kind> finding_kind_from_string(std::string_view name) noexcept;
// One-line headline qualifier, e.g. "potential deadlock" for lock_order_inversion.
std::string_view describe(finding_kind kind) noexcept;

// One stack frame. `module` + `offset` are always set when the frame came from
// a captured stack, so a report can be symbolized offline; function/file/line
// are empty/0 when symbolization failed.
struct frame {
  std::uint64_t pc = 0;
  std::string module;        // path of the shared object or executable
  std::uint64_t offset = 0;  // pc relative to the module's load address
  std::string function;      // demangled
  std::string file;
  int line = 0;
  bool internal = false;  // inside concheck or the standard library: hidden by default
};

// A site: where an operation happened. `frames` is the captured stack, innermost
// first; the site's own file/line/function are those of its first user frame
// (the first frame with internal == false), or of a std::source_location.
struct site {
  std::string function;
  std::string file;
  int line = 0;
  std::vector<frame> frames;
  bool empty() const noexcept { return file.empty() && function.empty() && frames.empty(); }
};

struct thread_ref {
  std::uint64_t id = 0;  // concheck's thread id (T0 is the main thread)
  std::string name;      // user's name, "main", or "" (renderers print T<id>)
  site created;          // where the thread was created (empty for main/adopted)
};

struct lock_ref {
  std::uint64_t id = 0;  // concheck's lock id: one object for its lifetime
  std::string name;      // user's name or "" (renderers fall back to type + site)
  std::string type;      // "std::mutex", "concheck::shared_mutex", "pthread_rwlock_t"...
  std::uint64_t address = 0;
  site created;  // creation site, or first-seen site for std:: locks
  // What the program calls an unnamed lock, found at report time: a global's
  // symbol ("g_mu", "g_cache+16" for a member 16 bytes into g_cache), or the
  // expression its first lock site locks ("from.guard"). "" when unknown.
  std::string variable;
  std::string variable_from;  // "symbol" or "source" (how `variable` was found), or ""
};

// One edge of a lock-order cycle: `thread` acquired `to` at `acquired` while
// holding `from` (taken at `from_acquired`).
struct cycle_edge {
  std::uint64_t from = 0;    // lock id
  std::uint64_t to = 0;      // lock id
  std::uint64_t thread = 0;  // thread id
  bool from_shared = false;  // `from` was held in shared (reader) mode
  bool to_shared = false;    // `to` was requested in shared (reader) mode
  site acquired;             // where `to` was acquired
  site from_acquired;        // where `from` had been acquired
};

// What one thread is doing in a real deadlock or a thread dump.
struct thread_state {
  std::uint64_t thread = 0;
  std::vector<std::uint64_t> holds;  // lock ids
  std::optional<std::uint64_t> waits_for_lock;
  std::string waits_for;  // free text when not a lock: "join T3", "cv 'not_empty'"
  site waiting_at;        // where it is blocked; for a vanished_at_fork thread, where it acquired holds[0]
  // A thread of the parent process, gone in this forked child, whose locks
  // stay held forever (it waits for nothing).
  bool vanished_at_fork = false;
};

// data-race: one of the two accesses, in the order of `sites` (first: the
// access that found the race; second: the conflicting earlier one).
struct access_ref {
  std::uint64_t thread = 0;
  bool write = false;
  bool atomic = false;
  std::uint32_t size = 0;           // bytes accessed
  std::vector<std::uint64_t> held;  // lock ids the thread held (described in `locks`)
};

// data-race: what the raced memory is. `kind` is "global" (name: its symbol,
// "counter" or "g_stats+8"), "heap" (a block of `size` bytes, the race at
// `offset` in it, allocated at `allocated` by thread `thread`), "stack" (of
// thread `thread`), or "" when unknown.
struct memory_ref {
  std::string kind;
  std::string name;
  std::uint64_t address = 0;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
  std::uint64_t thread = 0;
  site allocated;
};

struct finding {
  finding_kind kind = finding_kind::lock_order_inversion;
  std::string message;               // one sentence, names threads and locks
  std::string hint;                  // one line on how to fix it
  std::vector<thread_ref> threads;   // every thread the finding mentions
  std::vector<lock_ref> locks;       // every lock the finding mentions
  std::vector<site> sites;           // the main sites (first = where it was detected)
  std::vector<cycle_edge> cycle;     // lock-order-inversion / deadlock: ordered, closes on itself
  std::vector<thread_state> states;  // deadlock: what every involved thread holds and waits for
  std::vector<access_ref> accesses;  // data-race: one per site, same order
  memory_ref memory;                 // data-race: the memory raced on
  std::string test;                  // GoogleTest test running when found ("Suite.Name"), or ""
  std::string replay;                // explore mode replay token, or ""
  int pid = 0;

  const lock_ref* find_lock(std::uint64_t id) const noexcept;
  const thread_ref* find_thread(std::uint64_t id) const noexcept;
};

}  // namespace concheck::detector
