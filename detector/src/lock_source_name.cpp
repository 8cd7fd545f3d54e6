// Naming an unnamed lock from the source line that locked it (lock_source_name.hpp).
#include "concheck/detector/lock_source_name.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace concheck::detector {
namespace {

constexpr std::size_t kMaxExpression = 48;
constexpr std::size_t npos = std::string_view::npos;

bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool identifier_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// The line's code: cut at a `//` comment, string and character literals
// blanked (a lock named in a log message is not a lock operation).
std::string code_of(std::string_view line) {
  std::string out(line);
  char quote = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
        continue;
      }
      if (c == '\\' && i + 1 < out.size()) out[i++] = ' ';
      out[i] = ' ';
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '/') {
      out.resize(i);
      break;
    }
  }
  return out;
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

bool opener(char c) {
  return c == '(' || c == '[' || c == '{' || c == '<';
}
bool closer(char c) {
  return c == ')' || c == ']' || c == '}' || c == '>';
}

// Index just past the bracket matching the opener at `open`, or npos.
// `->` is not a closing angle.
std::size_t past_match(std::string_view s, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '>' && i > 0 && s[i - 1] == '-') continue;
    if (opener(c)) ++depth;
    if (closer(c) && --depth == 0) return i + 1;
  }
  return npos;
}

// Index of the bracket matching the closer at `close` (scanning back), or npos.
std::size_t matching_opener(std::string_view s, std::size_t close) {
  int depth = 0;
  for (std::size_t i = close + 1; i-- > 0;) {
    const char c = s[i];
    if (c == '>' && i > 0 && s[i - 1] == '-') continue;
    if (closer(c)) ++depth;
    if (opener(c) && --depth == 0) return i;
  }
  return npos;
}

// The top-level comma-separated arguments between s[open] and its match.
std::vector<std::string_view> arguments(std::string_view s, std::size_t open, std::size_t& end) {
  std::vector<std::string_view> out;
  end = past_match(s, open);
  if (end == npos) return out;
  int depth = 0;
  std::size_t start = open + 1;
  for (std::size_t i = open + 1; i + 1 < end; ++i) {
    const char c = s[i];
    if (c == '>' && s[i - 1] == '-') continue;
    if (opener(c)) ++depth;
    if (closer(c)) --depth;
    if (c == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start, end - 1 - start));
  return out;
}

// "  & this->cache . mu_ " -> "cache.mu_"; "" when it is not a plausible name.
std::string clean(std::string_view expression) {
  std::string out;
  for (std::size_t i = 0; i < expression.size(); ++i) {
    const char c = expression[i];
    if (is_space(c)) {
      // Keep one space only between two words ("const_cast<std :: mutex&>" has none).
      const std::size_t next = skip_space(expression, i);
      if (!out.empty() && next < expression.size() && identifier_char(out.back()) &&
          identifier_char(expression[next])) {
        out.push_back(' ');
      }
      i = next - 1;
      continue;
    }
    out.push_back(c);
  }
  while (!out.empty() && out.front() == '&') out.erase(out.begin());
  if (out.rfind("this->", 0) == 0) out.erase(0, 6);
  if (out.empty() || out.size() > kMaxExpression) return {};
  if (out.find_first_of("\";'") != std::string::npos) return {};
  return out;
}

bool is_tag(std::string_view argument, std::string_view tag) {
  const std::string text = clean(argument);
  return text == tag || text == "std::" + std::string(tag);
}

bool preceded_by_member_access(std::string_view s, std::size_t word) {
  std::size_t i = word;
  while (i > 0 && is_space(s[i - 1])) --i;
  if (i >= 1 && s[i - 1] == '.') return true;
  return i >= 2 && s[i - 2] == '-' && s[i - 1] == '>';
}

bool preceded_by_std(std::string_view s, std::size_t word) {
  return word >= 5 && s.substr(word - 5, 5) == "std::" && (word == 5 || !identifier_char(s[word - 6]));
}

// The object expression of a member call whose `.` or `->` ends just before `end`.
std::string_view object_before(std::string_view s, std::size_t end) {
  std::size_t i = end;
  while (i > 0 && is_space(s[i - 1])) --i;
  if (i >= 1 && s[i - 1] == '.') {
    --i;
  } else if (i >= 2 && s[i - 1] == '>' && s[i - 2] == '-') {
    i -= 2;
  } else {
    return {};
  }
  const std::size_t stop = i;
  while (i > 0) {
    const char c = s[i - 1];
    if (identifier_char(c)) {
      --i;
    } else if (c == ')' || c == ']') {
      const std::size_t open = matching_opener(s, i - 1);
      if (open == npos) break;
      i = open;
    } else if (c == '.' || c == '*') {
      --i;
    } else if (i >= 2 && ((c == '>' && s[i - 2] == '-') || (c == ':' && s[i - 2] == ':'))) {
      i -= 2;
    } else {
      break;
    }
  }
  return s.substr(i, stop - i);
}

constexpr std::array<std::string_view, 4> kGuards{"lock_guard", "unique_lock", "shared_lock", "scoped_lock"};
constexpr std::array<std::string_view, 8> kMemberLocks{"lock",
                                                       "lock_shared",
                                                       "try_lock",
                                                       "try_lock_shared",
                                                       "try_lock_for",
                                                       "try_lock_until",
                                                       "try_lock_shared_for",
                                                       "try_lock_shared_until"};
constexpr std::array<std::string_view, 12> kPthreadLocks{
    "pthread_mutex_lock",         "pthread_mutex_trylock",      "pthread_mutex_timedlock",
    "pthread_mutex_clocklock",    "pthread_rwlock_rdlock",      "pthread_rwlock_wrlock",
    "pthread_rwlock_tryrdlock",   "pthread_rwlock_trywrlock",   "pthread_rwlock_timedrdlock",
    "pthread_rwlock_timedwrlock", "pthread_rwlock_clockrdlock", "pthread_rwlock_clockwrlock"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

void push_clean(lock_call& call, std::string_view expression) {
  call.locks.push_back(clean(expression));
}

// A guard declaration starting after the guard's type name at `i`:
// [<template args>] [variable] (args) or {args}. Returns the call, or one
// with no locks when this is not a locking declaration (a parameter, a tag).
lock_call guard_call(std::string_view s, std::string_view guard, std::size_t& i) {
  lock_call call;
  i = skip_space(s, i);
  if (i < s.size() && s[i] == '<') {
    const std::size_t end = past_match(s, i);
    if (end == npos) return call;
    i = skip_space(s, end);
  }
  if (i < s.size() && identifier_start(s[i])) {
    while (i < s.size() && identifier_char(s[i])) ++i;
    i = skip_space(s, i);
  }
  if (i >= s.size() || (s[i] != '(' && s[i] != '{')) return call;
  std::size_t end = 0;
  std::vector<std::string_view> args = arguments(s, i, end);
  if (end == npos) return call;
  i = end;
  if (args.empty() || clean(args.front()).empty()) return call;
  if (guard == "scoped_lock") {
    if (is_tag(args.front(), "adopt_lock")) return call;
    for (std::string_view a : args) push_clean(call, a);
    return call;
  }
  if (args.size() >= 2 && (is_tag(args[1], "adopt_lock") || is_tag(args[1], "defer_lock"))) return call;
  push_clean(call, args.front());
  return call;
}

}  // namespace

std::vector<lock_call> lock_calls_in_line(std::string_view line) {
  const std::string code = code_of(line);
  const std::string_view s = code;
  std::vector<lock_call> calls;
  std::size_t i = 0;
  while (i < s.size()) {
    if (!identifier_start(s[i]) || (i > 0 && identifier_char(s[i - 1]))) {
      ++i;
      continue;
    }
    const std::size_t word_start = i;
    while (i < s.size() && identifier_char(s[i])) ++i;
    const std::string_view word = s.substr(word_start, i - word_start);
    const std::size_t after = skip_space(s, i);
    const bool call_follows = after < s.size() && s[after] == '(';
    lock_call call;
    if (preceded_by_member_access(s, word_start)) {
      if (!call_follows || !one_of(kMemberLocks, word)) continue;
      call.member_call = true;
      push_clean(call, object_before(s, word_start));
    } else if (one_of(kGuards, word)) {
      call = guard_call(s, word, i);
    } else if ((word == "lock" || word == "try_lock") && call_follows && preceded_by_std(s, word_start)) {
      std::size_t end = 0;
      for (std::string_view a : arguments(s, after, end)) push_clean(call, a);
      if (end != npos) i = end;
    } else if (call_follows && one_of(kPthreadLocks, word)) {
      std::size_t end = 0;
      std::vector<std::string_view> args = arguments(s, after, end);
      if (!args.empty()) push_clean(call, args.front());
      if (end != npos) i = end;
    }
    if (!call.locks.empty()) calls.push_back(std::move(call));
  }
  return calls;
}

namespace {

// The frames from the innermost to the first user frame: the library path
// the lock operation took.
bool library_path_has(const site& where, std::string_view needle) {
  for (const frame& f : where.frames) {
    if (!f.internal) return false;
    if (f.function.find(needle) != std::string::npos) return true;
  }
  return false;
}

bool library_path_tried(const site& where) {
  return library_path_has(where, "try_lock") || library_path_has(where, "trylock");
}

}  // namespace

std::string lock_expression(std::string_view line, const site& first_locked) {
  const std::vector<lock_call> calls = lock_calls_in_line(line);
  if (calls.size() != 1) return {};
  const lock_call& call = calls.front();
  std::string chosen;
  if (call.locks.size() == 1) {
    // guard.lock(): the expression names the guard, not the lock it holds.
    if (call.member_call && (library_path_has(first_locked, "std::unique_lock<") ||
                             library_path_has(first_locked, "std::shared_lock<"))) {
      return {};
    }
    chosen = call.locks.front();
  } else if (!library_path_tried(first_locked)) {
    chosen = call.locks.front();
  } else if (call.locks.size() == 2) {
    chosen = call.locks[1];
  }
  return chosen;
}

}  // namespace concheck::detector
