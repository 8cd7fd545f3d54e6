// concheck analyzer: clang-tidy style suppression comments.
//
//   x = 1;  // NOLINT                          every rule on this line
//   x = 1;  // NOLINT(concheck-unprotected-write)
//   // NOLINTNEXTLINE(concheck-*)               the next line
//   // NOLINTBEGIN(concheck-lock-order-inversion) ... // NOLINTEND(...)
//
// Names may be globs and may omit the `concheck-` prefix; names of other
// tools' checks are ignored. The source is read (never written) when a
// diagnostic points into it; each file is read once and its lines kept.
// Not thread-safe: used once, after the analysis.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "diagnostic.hpp"

namespace concheck::analyzer {

class nolint_filter {
 public:
  // True when a comment suppresses `d` at its primary location.
  bool suppressed(const diagnostic& d);

 private:
  const std::vector<std::string>& lines_of(const std::string& file);
  std::map<std::string, std::vector<std::string>> files_;
};

// Removes the suppressed diagnostics, keeping the order of the others.
std::vector<diagnostic> remove_suppressed(std::vector<diagnostic> diagnostics);

}  // namespace concheck::analyzer
