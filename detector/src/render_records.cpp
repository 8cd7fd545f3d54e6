// render_text for the log records that are not findings (log_records.hpp):
// notices and the threads of a thread dump, in the words of the text log.
#include <fmt/format.h>

#include "concheck/detector/log_records.hpp"
#include "concheck/detector/render.hpp"

namespace concheck::detector {

std::string render_text(const notice& n) {
  // A message of several lines (the option table of help=1) keeps its lines;
  // every other control byte is escaped.
  std::string message;
  std::string_view rest = n.message;
  while (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  for (std::size_t end = rest.find('\n'); end != std::string_view::npos; end = rest.find('\n')) {
    message += printable(rest.substr(0, end)) + "\n";
    rest.remove_prefix(end + 1);
  }
  message += printable(rest);
  return fmt::format("concheck: {}: {}\n", printable(n.level), message);
}

std::string render_text(const dumped_thread& t) {
  std::string out = fmt::format("T{}", t.thread.id);
  if (!t.thread.name.empty()) out += fmt::format(" '{}'", printable(t.thread.name));
  if (!t.thread.created.empty()) {
    out += fmt::format(" created at {}", printable(site_path_display(t.thread.created)));
  }
  out += "\n";
  if (!t.consistent) return out + "  (state changing)\n";
  for (const dumped_hold& h : t.holds) {
    out += fmt::format("  holds {}{} acquired at {}\n", printable(lock_display_name(h.lock)),
                       h.shared ? " (shared)" : "", printable(site_path_display(h.acquired)));
  }
  if (t.wait) {
    out += fmt::format("  waits for {}{} at {}\n", printable(t.wait->description),
                       t.wait->timed ? " (with timeout)" : "", printable(site_path_display(t.wait->at)));
  } else {
    out += "  running\n";
  }
  return out;
}

namespace {
std::string thread_name(const thread_ref& t) {
  if (t.name.empty()) return fmt::format("T{}", t.id);
  return fmt::format("'{}' (T{})", t.name, t.id);
}
}  // namespace

std::string render_text(const accessed_location& l) {
  std::string what;
  const memory_ref& m = l.memory;
  if (m.kind == "heap") {
    what = fmt::format("{} heap block{} ({}{} bytes)", l.blocks, l.blocks == 1 ? "" : "s",
                       l.blocks == 1 ? "" : "up to ", m.size);
    if (!m.allocated.empty()) what += fmt::format(" allocated at {}", printable(site_display(m.allocated)));
  } else {
    what = fmt::format("{} '{}' ({} bytes)", m.kind.empty() ? "memory" : m.kind, printable(m.name), m.size);
  }
  if (l.atomic) what += ", atomic accesses";
  if (l.sharing == "thread-local") {
    if (l.thread.id != 0 || !l.thread.name.empty() || m.kind != "heap") {
      what += fmt::format(", only {}", printable(thread_name(l.thread)));
    } else {
      what += ", each block by one thread";
    }
  } else if (l.sharing == "locked" && !l.locks.empty()) {
    std::vector<std::string> names;
    for (const lock_ref& lock : l.locks) names.push_back(printable(lock_display_name(lock)));
    what += fmt::format(", under {}", fmt::join(names, " and "));
  }
  return fmt::format("  {:<13} {}\n", l.sharing, what);
}

}  // namespace concheck::detector
