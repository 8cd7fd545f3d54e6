// concheck detector: the one glob matcher, shared by suppressions files, the
// analyzer's --checks filter and its NOLINT(check) comments.
//
// A pattern is literal text where `*` matches any run of characters (possibly
// empty); there are no other wildcards and no escapes. A match must cover the
// whole text. Case-sensitive.
//
// Cost: O(|pattern| x |text|) in the worst case (greedy with backtracking to
// the last `*`), no recursion, no allocation. Pure function; thread-safe.
#pragma once

#include <string_view>

namespace concheck::detector {

// True if `text` matches the whole glob `pattern` (`*` = any run, possibly empty).
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace concheck::detector
