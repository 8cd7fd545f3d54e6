// The bytes of function bodies in a source text; see body_bytes.hpp.
#include "body_bytes.hpp"

#include <array>
#include <cctype>
#include <cstddef>
#include <string>

namespace concheck::analyzer {
namespace {

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// True when the last token of `code` (already free of comments and literals)
// ends a function's head.
bool opens_body(std::string_view code) {
  std::size_t end = code.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(code[end - 1])) != 0) --end;
  if (end == 0) return false;
  if (code[end - 1] == ')') return true;
  std::size_t begin = end;
  while (begin > 0 && is_word(code[begin - 1])) --begin;
  std::string_view word = code.substr(begin, end - begin);
  constexpr std::array<std::string_view, 6> kHeadEnds = {"const", "noexcept", "override",
                                                         "final", "try",      "mutable"};
  for (std::string_view w : kHeadEnds)
    if (word == w) return true;
  return false;
}

}  // namespace

std::uintmax_t body_bytes(std::string_view text) {
  // The code with comments, literals and preprocessor lines left out, kept
  // only as far back as opens_body() needs to look (the current line's tail).
  std::string_view::size_type i = 0;
  const auto n = text.size();
  std::uintmax_t total = 0;
  std::size_t depth = 0;
  std::size_t body_depth = 0;  // the depth inside the open body; 0: none open
  std::size_t body_start = 0;  // where the open body's `{` is
  std::string tail;            // the last code characters outside literals
  bool line_start = true;
  while (i < n) {
    char c = text[i];
    if (line_start) {
      std::size_t j = i;
      while (j < n && (text[j] == ' ' || text[j] == '\t')) ++j;
      if (j < n && text[j] == '#') {  // a preprocessor line, with its continuations
        while (j < n && !(text[j] == '\n' && text[j - 1] != '\\')) ++j;
        i = j;
        continue;
      }
      line_start = false;
    }
    if (c == '\n') {
      line_start = true;
      tail += ' ';
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      auto close = text.find("*/", i + 2);
      i = close == std::string_view::npos ? n : close + 2;
      tail += ' ';
      continue;
    }
    if (c == '"' || c == '\'') {
      std::size_t j = i + 1;
      while (j < n && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      i = j + 1;
      tail += "0";
      continue;
    }
    if (c == '{') {
      if (body_depth == 0 && opens_body(tail)) {
        body_depth = depth + 1;
        body_start = i;
      }
      ++depth;
    } else if (c == '}') {
      if (depth > 0) --depth;
      if (body_depth != 0 && depth + 1 == body_depth) {
        total += i - body_start;
        body_depth = 0;
      }
    }
    tail += c;
    if (tail.size() > 64) tail.erase(0, tail.size() - 32);
    ++i;
  }
  return total;
}

}  // namespace concheck::analyzer
