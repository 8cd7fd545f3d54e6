// render_text: the report a person reads. Layouts per kind are described in
// docs/reading-reports.md; the golden files in tests/detector/golden/ pin them.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string_view>

#include "concheck/detector/render.hpp"

namespace concheck::detector {
namespace {

constexpr std::string_view kSeparator = "==================";

// "transfer" -> "transfer()"; a demangled signature keeps its parameters.
std::string frame_function_display(std::string_view function) {
  if (function.find('(') != std::string_view::npos) return std::string(function);
  return fmt::format("{}()", function);
}

// Wraps text in ANSI attributes only when colour is on.
struct painter {
  bool on;
  std::string paint(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
  std::string headline(std::string_view text) const { return paint("1;31", text); }
  std::string strong(std::string_view text) const { return paint("1", text); }
  std::string hint(std::string_view text) const { return paint("32", text); }
  std::string dim(std::string_view text) const { return paint("2", text); }
};

struct writer {
  const finding& f;
  const text_options& options;
  painter colors;
  std::string out;

  template <typename... Args>
  void line(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
    out.push_back('\n');
  }

  void frames(const site& where, std::string_view indent) {
    int shown = 0;
    int hidden = 0;
    int over = 0;
    for (const auto& fr : where.frames) {
      if (fr.internal && !options.show_internal_frames) {
        ++hidden;
        continue;
      }
      if (options.max_frames > 0 && shown >= options.max_frames) {
        ++over;
        continue;
      }
      std::string function = fr.function.empty() ? "<unknown>" : frame_function_display(fr.function);
      std::string location;
      if (!fr.file.empty()) {
        location = fr.line > 0 ? fmt::format("{}:{}", fr.file, fr.line) : fr.file;
      } else if (!fr.module.empty()) {
        location = fmt::format("({}+{:#x})", fr.module, fr.offset);
      } else if (fr.pc != 0) {
        location = fmt::format("({:#x})", fr.pc);
      }
      line("{}#{} {}{}{}", indent, shown, function, location.empty() ? "" : " ", location);
      ++shown;
    }
    if (over > 0) line("{}... {} more frame{}", indent, over, over == 1 ? "" : "s");
    if (hidden > 0) {
      line("{}{}", indent,
           colors.dim(fmt::format("({} frame{} inside concheck and the standard library hidden; "
                                  "show_internal_frames=1 shows them)",
                                  hidden, hidden == 1 ? "" : "s")));
    }
  }

  std::string lock(std::uint64_t id) const { return lock_display_name(f, id); }
  std::string thread(std::uint64_t id) const { return thread_display_name(f, id); }

  void header() {
    line("{}", colors.headline(kSeparator));
    line("{}", colors.headline(fmt::format("concheck: {} ({})", to_string(f.kind), describe(f.kind))));
    if (!f.message.empty()) line("  {}", f.message);
    if (!f.test.empty()) line("  in test {}", f.test);
  }

  void cycle_line() {
    if (f.cycle.empty()) return;
    std::string text = lock(f.cycle.front().from);
    for (const auto& edge : f.cycle) text += fmt::format(" => {}", lock(edge.to));
    line("  Cycle: {}", colors.strong(text));
  }

  // "bank.cpp:38" when in the same function as `other`, else the full site.
  static std::string relative_site(const site& where, const site& other) {
    if (!where.function.empty() && where.function == other.function && !where.file.empty()) {
      auto slash = where.file.find_last_of('/');
      std::string base = slash == std::string::npos ? where.file : where.file.substr(slash + 1);
      return where.line > 0 ? fmt::format("{}:{}", base, where.line) : base;
    }
    return site_display(where);
  }

  void cycle_edges() {
    for (const auto& edge : f.cycle) {
      out.push_back('\n');
      std::string held = lock(edge.from) + lock_mode_display(f, edge.from, edge.from_shared);
      std::string taken = lock(edge.to) + lock_mode_display(f, edge.to, edge.to_shared);
      std::string head = fmt::format("Thread {} acquired {}", thread(edge.thread), taken);
      if (!edge.acquired.empty()) head += fmt::format(" at {}", site_display(edge.acquired));
      head += fmt::format(" while holding {}", held);
      if (!edge.from_acquired.empty()) {
        head += fmt::format(" (acquired at {})", relative_site(edge.from_acquired, edge.acquired));
      }
      line("  {}:", colors.strong(head));
      frames(edge.acquired, "    ");
      // The holding site's stack matters when it is in another function (e.g.
      // a caller took the first lock); otherwise its line number says it all.
      bool same_function =
          !edge.from_acquired.function.empty() && edge.from_acquired.function == edge.acquired.function;
      if (!edge.from_acquired.frames.empty() && !same_function) {
        line("    {} was acquired at:", held);
        frames(edge.from_acquired, "      ");
      }
    }
  }

  // Where the thread got a lock it holds, when a cycle edge recorded it.
  const site* acquisition_of(std::uint64_t thread_id, std::uint64_t lock_id) const {
    for (const auto& edge : f.cycle) {
      if (edge.thread == thread_id && edge.from == lock_id && !edge.from_acquired.empty()) {
        return &edge.from_acquired;
      }
    }
    return nullptr;
  }

  void states() {
    for (const auto& state : f.states) {
      out.push_back('\n');
      std::string holds;
      for (std::size_t i = 0; i < state.holds.size(); ++i) {
        if (i > 0) holds += i + 1 == state.holds.size() ? " and " : ", ";
        holds += lock(state.holds[i]);
        if (const site* where = acquisition_of(state.thread, state.holds[i])) {
          holds += fmt::format(" (acquired at {})", site_display(*where));
        } else if (state.vanished_at_fork && i == 0 && !state.waiting_at.empty()) {
          holds += fmt::format(" (acquired at {})", site_display(state.waiting_at));
        }
      }
      if (state.vanished_at_fork) {
        // Gone with fork(): it waits for nothing and will never release what it holds.
        line("  {}:", colors.strong(fmt::format(
                          "Thread {} of the parent process {} and does not exist in this "
                          "child (fork)",
                          thread(state.thread), holds.empty() ? "holds no lock" : "holds " + holds)));
        frames(state.waiting_at, "    ");
        continue;
      }
      std::string waits;
      if (state.waits_for_lock) {
        waits = lock(*state.waits_for_lock);
      } else if (!state.waits_for.empty()) {
        waits = state.waits_for;
      }
      std::string head = fmt::format("Thread {} {}", thread(state.thread),
                                     holds.empty() ? "holds no lock" : "holds " + holds);
      if (!waits.empty()) {
        head += fmt::format(" and waits for {}", waits);
        if (!state.waiting_at.empty()) head += fmt::format(" at {}", site_display(state.waiting_at));
      } else {
        head += " and is not waiting";
      }
      line("  {}:", colors.strong(head));
      frames(state.waiting_at, "    ");
    }
  }

  // What sites[i] means for each kind (the runtime fills them in this order;
  // see docs/report-format.md "sites").
  static std::string_view site_label(finding_kind kind, std::size_t index) {
    if (index > 1) return "Also at";
    switch (kind) {
#define CONCHECK_FINDING_KIND(enumerator, name, headline, hint, first_site, second_site) \
  case finding_kind::enumerator:                                                         \
    return index == 0 ? first_site : second_site;
#include "concheck/detector/finding_kinds.inc"
#undef CONCHECK_FINDING_KIND
    }
    return "Also at";
  }

  // A site belongs to threads[i] when there is one per site, or to the only thread.
  const thread_ref* site_thread(std::size_t index) const {
    if (index < f.threads.size()) return &f.threads[index];
    if (f.threads.size() == 1) return &f.threads.front();
    return nullptr;
  }

  void sites() {
    for (std::size_t i = 0; i < f.sites.size(); ++i) {
      out.push_back('\n');
      std::string head = fmt::format("{} {}", site_label(f.kind, i), site_display(f.sites[i]));
      if (const thread_ref* t = site_thread(i)) head += fmt::format(" by thread {}", thread(t->id));
      line("  {}:", colors.strong(head));
      frames(f.sites[i], "    ");
    }
  }

  // data-race: each access with what the thread held, then the memory.
  void race_accesses() {
    for (std::size_t i = 0; i < f.sites.size(); ++i) {
      out.push_back('\n');
      const access_ref* a = i < f.accesses.size() ? &f.accesses[i] : nullptr;
      std::string head;
      if (a != nullptr) {
        head = fmt::format("{}{}{} of {} byte{}", i == 0 ? "" : "Conflicting earlier ",
                           a->atomic ? "atomic " : "", a->write ? "write" : "read", a->size,
                           a->size == 1 ? "" : "s");
        if (i == 0) head[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(head[0])));
        head += fmt::format(" at {}", site_display(f.sites[i]));
        head += fmt::format(" by thread {}", thread(a->thread));
        if (a->held.empty()) {
          head += " holding no lock";
        } else {
          std::vector<std::string> names;
          for (std::uint64_t id : a->held) names.push_back(lock(id));
          head += fmt::format(" holding {}", fmt::join(names, ", "));
        }
      } else {
        head = fmt::format("{} {}", site_label(f.kind, i), site_display(f.sites[i]));
      }
      line("  {}:", colors.strong(head));
      frames(f.sites[i], "    ");
    }
    const memory_ref& m = f.memory;
    if (m.kind.empty()) return;
    out.push_back('\n');
    if (m.kind == "global") {
      line("  {}", colors.strong(fmt::format("Location: global '{}' at {:#x}", m.name, m.address)));
    } else if (m.kind == "heap") {
      std::string head = fmt::format("Location: {} bytes into a heap block of {} bytes at {:#x}", m.offset,
                                     m.size, m.address - m.offset);
      if (!m.allocated.empty()) head += fmt::format(", allocated at {}", site_display(m.allocated));
      head += fmt::format(" by thread {}", thread(m.thread));
      line("  {}:", colors.strong(head));
      frames(m.allocated, "    ");
    } else if (m.kind == "stack") {
      line("  {}", colors.strong(fmt::format("Location: the stack of thread {} at {:#x}", thread(m.thread),
                                             m.address)));
    } else {
      line("  {}", colors.strong(fmt::format("Location: {:#x}", m.address)));
    }
  }

  void locks_section() {
    if (f.locks.empty()) return;
    out.push_back('\n');
    line("  Locks:");
    for (const auto& l : f.locks) {
      std::vector<std::string> parts;
      if (!l.type.empty()) parts.push_back(lock_type_display(l));
      if (!l.created.empty()) parts.push_back(lock_site_label(l) + " " + site_display(l.created));
      if (l.address != 0) parts.push_back(fmt::format("address {:#x}", l.address));
      line("    {}: {}", lock(l.id),
           parts.empty() ? "no details" : fmt::format("{}", fmt::join(parts, ", ")));
    }
  }

  void threads_section() {
    if (f.threads.empty()) return;
    out.push_back('\n');
    line("  Threads:");
    for (const auto& t : f.threads) {
      std::string origin;
      if (!t.created.empty()) {
        origin = "created at " + site_display(t.created);
      } else if (t.id == 0 || t.name == "main") {
        origin = "the main thread";
      } else {
        origin = "created outside concheck's view (adopted)";
      }
      line("    {}: {}", thread(t.id), origin);
    }
  }

  void footer() {
    out.push_back('\n');
    if (!f.replay.empty()) line("  Replay: CONCHECK_REPLAY={}", f.replay);
    const site* where = primary_site(f);
    line("{}", colors.strong(fmt::format("SUMMARY: concheck: {} {}", to_string(f.kind),
                                         where != nullptr ? site_display(*where) : "<unknown>")));
    line("{}", colors.hint(fmt::format("hint: {}", hint_for(f))));
    line("{}", colors.headline(kSeparator));
  }
};

}  // namespace

std::string render_text(const finding& raw, const text_options& options) {
  const finding finding = printable(raw);
  writer w{finding, options, painter{options.color}, {}};
  w.header();
  switch (finding.kind) {
    case finding_kind::lock_order_inversion:
      w.cycle_line();
      w.cycle_edges();
      if (finding.cycle.empty()) w.sites();
      break;
    case finding_kind::deadlock:
      w.cycle_line();
      if (finding.states.empty()) {
        w.cycle_edges();
      } else {
        w.states();
      }
      // A deadlock found without a lock cycle (lost wakeup, join cycle) may
      // carry its sites too.
      if (finding.cycle.empty() && finding.states.empty()) w.sites();
      break;
    case finding_kind::data_race:
      w.race_accesses();
      break;
    default:
      w.sites();
      w.states();
      break;
  }
  // Each lock is described once here; everything above uses its short name.
  w.locks_section();
  w.threads_section();
  w.footer();
  return std::move(w.out);
}

}  // namespace concheck::detector
