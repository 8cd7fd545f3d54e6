// concheck detector: rendering findings for people and for tools.
//
// Three renderers over the report model of finding.hpp, all pure functions
// (no I/O, no global state, safe from any thread):
//  - render_text: the report a person reads on stderr. Shaped like
//    ThreadSanitizer's (separator, headline, cycle, per-edge stacks, thread
//    creation sites, SUMMARY line) but in the user's words: locks and threads by
//    name, the summary at the first *user* frame, concheck and standard library
//    frames hidden by default, and a closing one-line hint on the fix.
//    docs/reading-reports.md walks through every layout.
//  - render_json: one JSON Lines record (no trailing newline) in the schema of
//    docs/report-format.md (version kReportSchemaVersion); json.hpp parses it back.
//  - render_dot: a Graphviz digraph of the locks and lock-order edges of one or
//    more findings, the edges of each cycle drawn red and labelled with the
//    acquiring thread and site.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detector {

struct text_options {
  bool color = false;                 // ANSI colours (the caller decides: only on a terminal)
  bool show_internal_frames = false;  // show frames inside concheck / the standard library
  int max_frames = 16;                // user frames printed per stack; <= 0 means no limit
};

// The multi-line text report, ending with a newline. Never fails: missing
// names, sites or stacks fall back to ids ("T3", "lock #7") and "<unknown>".
// Control bytes of the finding's strings are escaped (printable()).
std::string render_text(const finding& finding, const text_options& options = {});

// One line of JSON (no newline), every field of `finding` included.
std::string render_json(const finding& finding);

// A JSON Lines record that is not a finding: `record` names what it is
// ("notice", "thread-dump"), `level` ("warning", "note") and `message` say it
// in words (docs/report-format.md, "Other records"). No trailing newline.
std::string render_json_notice(std::string_view record, std::string_view level, std::string_view message,
                               int pid);

// Text for a terminal: every control byte (below 0x20, and DEL) of `text`
// written as an escape, "\t" "\n" "\r" or "\x1b", so that a name, message or
// path from a log or a suppressions file cannot move the cursor, recolour or
// retitle the user's terminal. render_text applies it to every string of a
// finding (printable(finding)); JSON output needs no such step (its escapes are
// JSON's own).
std::string printable(std::string_view text);
finding printable(finding finding);

// A complete DOT digraph for all findings (nodes merged by lock id).
std::string render_dot(const std::vector<finding>& findings);

// The same graph one finding at a time, for more findings than fit in memory:
// begin(), then add(f) for each finding, then end(), concatenated, equal
// render_dot(findings). Memory: the names of the nodes already declared, at
// most kMaxRememberedNodes (beyond that a node may be declared twice, which
// DOT reads as one node).
class dot_stream {
 public:
  static constexpr std::size_t kMaxRememberedNodes = 1 << 16;
  static std::string begin();
  std::string add(const finding& finding);
  std::string end() const;

 private:
  std::unordered_set<std::string> nodes_;
  std::size_t drawn_ = 0;
};

// How reports name things; exposed so other outputs (the GoogleTest listener,
// thread dumps) use the same words.
//  lock, within a finding (the short name; the text report's "Locks:" section
//        says once what each is): 'name' (the user's); else 'variable' (what
//        the program calls it: a global's symbol or its first lock site's
//        text, lock_ref::variable); else for a concheck primitive
//        "<type> at <file>:<line>" (creation site) or "<type> 0x<address>";
//        else "<type> M<id>" ("mutex", "rwlock", or its std:: type when
//        known). Two locks of the finding with the same name get " (M<id>)".
//  lock, on its own (thread dumps; self-contained): as above, but a name from
//        a source line says where ("'m' (Cache::get, t.cpp:10)") and the
//        fallback says where the lock was first locked
//        ("std::mutex M7 (first locked at f.cpp:9)").
//  thread: "'name' (T<id>)", or "T<id>" when unnamed.
std::string lock_display_name(const finding& finding, std::uint64_t lock_id);
std::string lock_display_name(const lock_ref& lock);
// " (shared)" for a lock held or requested in shared mode (" (read)" for a
// pthread_rwlock_t, in pthread's words), "" for exclusive mode.
std::string lock_mode_display(const finding& finding, std::uint64_t lock_id, bool shared);
// The lock's type for a details line ("std::mutex or pthread_mutex_t" for
// type "mutex", a mutex the runtime could not tell, "std::shared_mutex or
// pthread_rwlock_t" for a pthread_rwlock_t) and what its site is ("created at" for
// concheck primitives, "first locked at" for the others).
std::string lock_type_display(const lock_ref& lock);
std::string lock_site_label(const lock_ref& lock);
std::string thread_display_name(const finding& finding, std::uint64_t thread_id);
// "file.cpp:40 in transfer()" with the file's directory stripped. With no
// file (no debug information) the frame's module and offset stand in for it:
// "libpython3.11.so.1.0+0x1a2b3c in PyThread_acquire_lock_timed()" ("pc 0x…"
// for code in no module). "<unknown>" if empty.
std::string site_display(const site& site);
// How thread dumps and notices place a site: "file:line" with the file as the
// debug information gives it; with no file, site_display()'s module+offset
// form ("libfoo.so+0x1234 in f()"), never an empty ":0".
std::string site_path_display(const site& site);

// The per-kind default one-line hint (used when finding.hint is empty).
std::string_view default_hint(finding_kind kind) noexcept;

// The hint a report ends with: finding.hint when set, else the kind's default
// (refined for a deadlock in which no thread waits for a lock: a lost wakeup;
// and for one in which a thread joins while holding a lock: release it first).
std::string_view hint_for(const finding& finding) noexcept;

// The first site to point a user at: the first non-empty of sites[0], the
// first cycle edge's acquiring site, the first state's waiting site. Null if none.
const site* primary_site(const finding& finding) noexcept;

}  // namespace concheck::detector
