// How reports name locks, threads and sites, and the per-kind hints; shared by
// every renderer so text, DOT and listeners use the same words.
#include <fmt/format.h>

#include <array>

#include "concheck/detector/render.hpp"

namespace concheck::detector {
namespace {

std::string_view base_name(std::string_view path) {
  auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

const frame* first_user_frame(const site& where) {
  for (const auto& f : where.frames) {
    if (!f.internal) return &f;
  }
  return where.frames.empty() ? nullptr : &where.frames.front();
}

// The frame a site with a function but no file stands for (the runtime's
// site points at one of its frames): the first frame of that function with no
// file, a user frame preferred; null when none is.
const frame* frame_of_function(const site& where, std::string_view function) {
  const frame* internal = nullptr;
  for (const auto& f : where.frames) {
    if (!f.file.empty() || f.function != function) continue;
    if (!f.internal) return &f;
    if (internal == nullptr) internal = &f;
  }
  return internal;
}

// "transfer" -> "transfer()"; a demangled signature keeps its parameters.
std::string function_display(std::string_view function) {
  if (function.find('(') != std::string_view::npos) return std::string(function);
  return fmt::format("{}()", function);
}

std::string location_display(std::string_view file, int line) {
  if (line > 0) return fmt::format("{}:{}", base_name(file), line);
  return std::string(base_name(file));
}

}  // namespace

std::string site_display(const site& where) {
  std::string_view function = where.function;
  std::string_view file = where.file;
  int line = where.line;
  const frame* located = nullptr;
  if (file.empty() && function.empty()) {
    located = first_user_frame(where);
    if (located == nullptr) return "<unknown>";
    function = located->function;
    file = located->file;
    line = located->line;
  } else if (file.empty()) {
    located = frame_of_function(where, function);
  }
  if (!file.empty() && !function.empty()) {
    return fmt::format("{} in {}", location_display(file, line), function_display(function));
  }
  if (!file.empty()) return location_display(file, line);
  // No source file (no debug information): the module and offset, which
  // addr2line turns into a line, then the function the symbol table names.
  std::string place;
  if (located != nullptr && !located->module.empty()) {
    place = fmt::format("{}+{:#x}", base_name(located->module), located->offset);
  } else if (located != nullptr && located->pc != 0) {
    place = fmt::format("pc {:#x}", located->pc);
  }
  if (function.empty()) return place.empty() ? "<unknown>" : place;
  if (place.empty()) return function_display(function);
  return fmt::format("{} in {}", place, function_display(function));
}

std::string site_path_display(const site& where) {
  if (where.file.empty()) return site_display(where);
  if (where.line <= 0) return where.file;
  return fmt::format("{}:{}", where.file, where.line);
}

namespace {

bool is_concheck_primitive(const lock_ref& lock) {
  return lock.type.rfind("concheck::", 0) == 0;
}

// What to call a lock the program made without concheck: its std:: type when
// the runtime could tell it from the stack, else a plain word ("rwlock" for a
// pthread_rwlock_t: the pthread word, which says nothing about the mode).
std::string_view plain_kind(const lock_ref& lock) {
  const std::string_view type = lock.type;
  if (type.rfind("std::", 0) == 0) return type;
  if (type.find("rwlock") != std::string_view::npos) return "rwlock";
  if (type.find("spinlock") != std::string_view::npos) return "spin lock";
  if (type.find("recursive") != std::string_view::npos) return "recursive mutex";
  if (type.empty() || type == "lock") return "lock";
  return "mutex";
}

// "Cache::get(int) const" -> "Cache::get": the function a name's note cites.
std::string_view bare_function(std::string_view function) {
  const std::size_t paren = function.find('(');
  if (paren == std::string_view::npos || paren == 0) return function;
  return function.substr(0, paren);
}

// The short name before telling equal names apart: the user's name, the
// program's name for it, a concheck primitive's type and creation line, or
// type and id.
std::string short_name(const lock_ref& lock) {
  if (!lock.name.empty()) return fmt::format("'{}'", lock.name);
  if (!lock.variable.empty()) return fmt::format("'{}'", lock.variable);
  if (is_concheck_primitive(lock)) {
    // A concheck primitive's site is where it was created.
    if (!lock.created.file.empty()) {
      return fmt::format("{} at {}", lock.type, location_display(lock.created.file, lock.created.line));
    }
    if (lock.address != 0) return fmt::format("{} {:#x}", lock.type, lock.address);
    return fmt::format("{} M{}", lock.type, lock.id);
  }
  return fmt::format("{} M{}", plain_kind(lock), lock.id);
}

// True when two different locks would get the same short name.
bool same_short_name(const lock_ref& a, const lock_ref& b) {
  if (!a.name.empty() || !b.name.empty()) return a.name == b.name;
  if (!a.variable.empty() || !b.variable.empty()) return a.variable == b.variable;
  return is_concheck_primitive(a) && !a.created.file.empty() && a.type == b.type &&
         a.created.file == b.created.file && a.created.line == b.created.line;
}

}  // namespace

std::string lock_display_name(const lock_ref& lock) {
  if (!lock.name.empty() || is_concheck_primitive(lock)) return short_name(lock);
  // A name taken from a source line is only as good as that line: say which.
  if (!lock.variable.empty()) {
    if (lock.variable_from == "source" && !lock.created.file.empty()) {
      const std::string_view function = bare_function(lock.created.function);
      const std::string where = location_display(lock.created.file, lock.created.line);
      if (function.empty()) return fmt::format("'{}' ({})", lock.variable, where);
      return fmt::format("'{}' ({}, {})", lock.variable, function, where);
    }
    return short_name(lock);
  }
  // Any other lock's site is only where concheck first saw it used: say so,
  // and tell it apart from others by its id.
  const std::string_view kind = plain_kind(lock);
  if (!lock.created.empty()) {
    std::string where = lock.created.file.empty() ? site_display(lock.created)
                                                  : location_display(lock.created.file, lock.created.line);
    if (where != "<unknown>") return fmt::format("{} M{} (first locked at {})", kind, lock.id, where);
  }
  return fmt::format("{} M{}", kind, lock.id);
}

std::string lock_type_display(const lock_ref& lock) {
  // "mutex": the runtime could not tell (docs/report-format.md, lock.type).
  if (lock.type == "mutex") return "std::mutex or pthread_mutex_t";
  if (lock.type == "pthread_rwlock_t") return "std::shared_mutex or pthread_rwlock_t";
  return lock.type;
}

std::string lock_site_label(const lock_ref& lock) {
  return is_concheck_primitive(lock) ? "created at" : "first locked at";
}

std::string lock_display_name(const finding& finding, std::uint64_t id) {
  const lock_ref* lock = finding.find_lock(id);
  if (lock == nullptr) return fmt::format("lock M{}", id);
  std::string name = short_name(*lock);
  for (const auto& other : finding.locks) {
    if (other.id != id && same_short_name(*lock, other)) return fmt::format("{} (M{})", name, id);
  }
  return name;
}

std::string lock_mode_display(const finding& finding, std::uint64_t id, bool shared) {
  if (!shared) return {};
  const lock_ref* lock = finding.find_lock(id);
  if (lock != nullptr && lock->type.rfind("std::", 0) != 0 && plain_kind(*lock) == "rwlock") return " (read)";
  return " (shared)";
}

std::string thread_display_name(const finding& finding, std::uint64_t id) {
  const thread_ref* thread = finding.find_thread(id);
  if (thread == nullptr || thread->name.empty()) return fmt::format("T{}", id);
  return fmt::format("'{}' (T{})", thread->name, id);
}

std::string_view default_hint(finding_kind kind) noexcept {
  switch (kind) {
#define CONCHECK_FINDING_KIND(enumerator, name, headline, hint, ...) \
  case finding_kind::enumerator:                                     \
    return hint;
#include "concheck/detector/finding_kinds.inc"
#undef CONCHECK_FINDING_KIND
  }
  return {};
}

namespace {
constexpr std::string_view kJoinWhileHoldingHint =
    "don't join a thread while holding a lock it needs: release the lock before join()";
}  // namespace

std::string_view hint_for(const finding& finding) noexcept {
  if (!finding.hint.empty()) return finding.hint;
  if (finding.kind == finding_kind::deadlock) {
    bool waits_on_lock = !finding.cycle.empty();
    for (const auto& state : finding.states)
      waits_on_lock = waits_on_lock || state.waits_for_lock.has_value();
    // Someone joins a thread that needs a lock the joiner holds: no lock
    // order can fix that, only releasing the lock before join().
    bool joins = false;
    for (const auto& state : finding.states) joins = joins || state.waits_for.rfind("join", 0) == 0;
    if (waits_on_lock && joins) return kJoinWhileHoldingHint;
    if (!waits_on_lock) {
      // Everyone waits on condition variables, joins or semaphores: nobody
      // will signal, which is a lost wakeup or a join cycle, not lock order.
      return "no thread is left to wake the others: change the shared state and notify under the mutex, "
             "wait with a predicate, and join only threads that can finish";
    }
  }
  return default_hint(finding.kind);
}

const site* primary_site(const finding& finding) noexcept {
  for (const auto& where : finding.sites) {
    if (!where.empty()) return &where;
  }
  for (const auto& edge : finding.cycle) {
    if (!edge.acquired.empty()) return &edge.acquired;
  }
  for (const auto& state : finding.states) {
    if (!state.waiting_at.empty()) return &state.waiting_at;
  }
  return nullptr;
}

}  // namespace concheck::detector
