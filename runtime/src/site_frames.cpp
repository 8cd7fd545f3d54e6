// The frame a site points at: skip internal frames and lock wrappers. See
// site_frames.hpp for the rule and why.
#include "site_frames.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "concheck/detector/glob.hpp"
#include "options.hpp"
#include "symbolize.hpp"

namespace concheck::detail {
namespace {

// Members of lockables, in the standard's, Abseil's and LevelDB's spellings.
// clang-format off
constexpr std::array<std::string_view, 26> kLockOperationNames{
    "lock",          "unlock",        "try_lock",        "try_lock_for",        "try_lock_until",
    "lock_shared",   "unlock_shared", "try_lock_shared", "try_lock_shared_for", "try_lock_shared_until",
    "Lock",          "Unlock",        "TryLock",         "ReaderLock",          "ReaderUnlock",
    "ReaderTryLock", "WriterLock",    "WriterUnlock",    "WriterTryLock",       "ReadLock",
    "ReadUnlock",    "WriteLock",     "WriteUnlock",     "LockShared",          "UnlockShared",
    "TryLockShared"};
// clang-format on

// Verbs that mean "lock" only on a lockable: `base::Lock::Acquire`,
// `SpinMutex::release`, not `Pool::release` (which locks on its way).
constexpr std::array<std::string_view, 4> kLockableOnlyNames{"acquire", "release", "Acquire", "Release"};

// The pthread functions a guard may call directly (interposed, so internal).
constexpr std::array<std::string_view, 17> kPthreadLockFunctions{
    "pthread_mutex_lock",         "pthread_mutex_trylock",      "pthread_mutex_timedlock",
    "pthread_mutex_clocklock",    "pthread_mutex_unlock",       "pthread_rwlock_rdlock",
    "pthread_rwlock_wrlock",      "pthread_rwlock_tryrdlock",   "pthread_rwlock_trywrlock",
    "pthread_rwlock_timedrdlock", "pthread_rwlock_timedwrlock", "pthread_rwlock_clockrdlock",
    "pthread_rwlock_clockwrlock", "pthread_rwlock_unlock",      "pthread_spin_lock",
    "pthread_spin_trylock",       "pthread_spin_unlock"};

// The parts of a qualified name split at "::" outside brackets:
// "ns::Guard<T>::~Guard" -> {"ns", "Guard<T>", "~Guard"}.
std::vector<std::string_view> name_parts(std::string_view qualified) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < qualified.size(); ++i) {
    const char c = qualified[i];
    if (c == '<' || c == '(' || c == '{' || c == '[') ++depth;
    if ((c == '>' || c == ')' || c == '}' || c == ']') && depth > 0) --depth;
    if (depth == 0 && c == ':' && i + 1 < qualified.size() && qualified[i + 1] == ':') {
      parts.push_back(qualified.substr(start, i - start));
      start = i + 2;
      ++i;
    }
  }
  parts.push_back(qualified.substr(start));
  return parts;
}

// A name part without its template arguments and ABI tags: "Guard<T>" -> "Guard".
std::string_view plain_part(std::string_view part) {
  const std::size_t cut = part.find_first_of("<[");
  return cut == std::string_view::npos ? part : part.substr(0, cut);
}

std::string_view own_name(const detector::frame& frame) {
  const std::vector<std::string_view> parts = name_parts(function_qualified_name(frame.function));
  return plain_part(parts.back());
}

bool is_constructor_or_destructor(const detector::frame& frame) {
  const std::vector<std::string_view> parts = name_parts(function_qualified_name(frame.function));
  if (parts.size() < 2) return false;
  std::string_view own = plain_part(parts.back());
  if (!own.empty() && own.front() == '~') own.remove_prefix(1);
  return !own.empty() && own == plain_part(parts[parts.size() - 2]);
}

bool is_lock_operation_name(std::string_view name) {
  return std::find(kLockOperationNames.begin(), kLockOperationNames.end(), name) != kLockOperationNames.end();
}

bool contains_lock_word(std::string_view name) {
  for (std::size_t i = 0; i + 4 <= name.size(); ++i) {
    auto lower = [&](std::size_t k) { return static_cast<char>(name[i + k] | 0x20); };
    if (lower(0) == 'l' && lower(1) == 'o' && lower(2) == 'c' && lower(3) == 'k') return true;
    if (i + 5 <= name.size() && lower(0) == 'm' && lower(1) == 'u' && lower(2) == 't' && lower(3) == 'e' &&
        lower(4) == 'x') {
      return true;
    }
  }
  return false;
}

// A lock operation by name: one of kLockOperationNames, or one of
// kLockableOnlyNames on a class whose name says lock or mutex.
bool is_lock_operation(const detector::frame& frame) {
  const std::vector<std::string_view> parts = name_parts(function_qualified_name(frame.function));
  const std::string_view own = plain_part(parts.back());
  if (is_lock_operation_name(own)) return true;
  if (parts.size() < 2 ||
      std::find(kLockableOnlyNames.begin(), kLockableOnlyNames.end(), own) == kLockableOnlyNames.end()) {
    return false;
  }
  return contains_lock_word(plain_part(parts[parts.size() - 2]));
}

bool is_pthread_lock_function(std::string_view name) {
  return std::find(kPthreadLockFunctions.begin(), kPthreadLockFunctions.end(), name) !=
         kPthreadLockFunctions.end();
}

// A pattern matches the qualified name or any tail of it that starts at a
// part: "Spinlock*Acquire" matches "base::Spinlock::Acquire", "Acquire" too.
bool matches_user_pattern(const detector::frame& frame, std::string_view patterns) {
  if (patterns.empty() || frame.function.empty()) return false;
  const std::string_view qualified = function_qualified_name(frame.function);
  std::vector<std::string_view> tails;
  for (const std::string_view part : name_parts(qualified)) {
    tails.push_back(qualified.substr(static_cast<std::size_t>(part.data() - qualified.data())));
  }
  tails.push_back(plain_part(name_parts(qualified).back()));
  while (!patterns.empty()) {
    const std::size_t comma = patterns.find(',');
    const std::string_view pattern = patterns.substr(0, comma);
    patterns = comma == std::string_view::npos ? std::string_view() : patterns.substr(comma + 1);
    if (pattern.empty()) continue;
    for (const std::string_view tail : tails) {
      if (detector::glob_match(pattern, tail)) return true;
    }
  }
  return false;
}

}  // namespace

bool is_wrapper_frame(const std::vector<detector::frame>& frames, std::size_t index,
                      std::string_view patterns) {
  if (index >= frames.size()) return false;
  const detector::frame& frame = frames[index];
  if (frame.function.empty()) return false;
  if (is_lock_operation(frame) || matches_user_pattern(frame, patterns)) return true;
  if (index == 0 || !is_constructor_or_destructor(frame)) return false;
  // A guard: its constructor or destructor calls the lock operation itself.
  const detector::frame& callee = frames[index - 1];
  const std::string_view callee_name = own_name(callee);
  // A user's wrapper counts as the lock call; a standard guard (std::lock_guard)
  // does not: a constructor using one merely locks for a while.
  return is_lock_operation(callee) || is_pthread_lock_function(callee_name) ||
         (!callee.internal && is_wrapper_frame(frames, index - 1, patterns));
}

const detector::frame* site_frame(const std::vector<detector::frame>& frames, std::string_view patterns) {
  if (frames.empty()) return nullptr;
  const detector::frame* first_user = nullptr;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].internal) continue;
    if (first_user == nullptr) first_user = &frames[i];
    if (!is_wrapper_frame(frames, i, patterns)) return &frames[i];
  }
  return first_user != nullptr ? first_user : &frames.front();
}

void locate_site(detector::site& site) {
  const detector::frame* chosen = site_frame(site.frames, get_options().wrapper_functions);
  if (chosen == nullptr) return;
  site.function = chosen->function;
  site.file = chosen->file;
  site.line = chosen->line;
}

std::string validate_wrapper_patterns(std::string_view patterns) {
  if (patterns.empty()) return {};
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = patterns.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? patterns.size() : comma;
    if (end == start) return fmt::format("empty pattern in '{}'", patterns);
    if (comma == std::string_view::npos) return {};
    start = comma + 1;
  }
}

}  // namespace concheck::detail
