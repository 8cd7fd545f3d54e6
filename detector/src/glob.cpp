// The glob matcher; see glob.hpp.
#include "concheck/detector/glob.hpp"

#include <cstddef>

namespace concheck::detector {

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  // On a mismatch after a `*`, retry with that `*` swallowing one more
  // character; earlier stars never need revisiting, which bounds the work.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace concheck::detector
