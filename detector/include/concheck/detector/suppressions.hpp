// concheck detector: suppressions, so known findings do not fail a run.
//
// A suppressions file holds one rule per line, `kind:pattern`:
//    # comments and blank lines are ignored
//    lock-order-inversion:*legacy*
//    *:third_party/*
// `kind` is a finding kind name (finding.hpp) or `*` for any kind; `race` is
// accepted for data-race, as ThreadSanitizer's suppressions spell it. `pattern`
// is a glob where `*` matches any run of characters (the rest is literal) and
// must match a whole name. A rule matches a finding of its kind when the
// pattern matches the function, the file (full path or its base name) or the
// module (full path or base name) of any frame of any of the finding's sites,
// cycle edges (both sites) and thread states, or those sites' own
// function/file; for a data race also the raced global's name (with or
// without its "+offset") and the frames of a heap block's allocation site. Matching is case-sensitive.
//
// Cost: match() is O(rules x frames x pattern length); parsing is linear.
// Locking: none inside. parse() and summary() are pure; match() updates the
// per-rule hit counters, so concurrent calls must be serialized by the caller
// (the runtime calls it under its own report lock).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detector {

struct suppression_rule {
  std::optional<finding_kind> kind;  // nullopt: `*`, any kind
  std::string pattern;
  std::string source;    // "file:line" of the rule, for messages
  std::size_t hits = 0;  // findings this rule suppressed so far
};

class suppressions {
 public:
  struct parse_result;

  // Parses the text of a suppressions file. `source_name` (a path) prefixes
  // error messages: "supp.txt:3: unknown finding kind 'dedlock' ...".
  static parse_result parse(std::string_view text, std::string_view source_name);
  // Reads and parses a file; an unreadable file is an error naming the path.
  static parse_result load_file(const std::string& path);

  // True if a rule suppresses `finding`; the first matching rule's hit counter
  // is incremented. Not internally synchronized (see above).
  bool match(const finding& finding);
  // The first rule that would suppress `finding`, without counting; or null.
  const suppression_rule* find_rule(const finding& finding) const;

  const std::vector<suppression_rule>& rules() const noexcept { return rules_; }
  bool empty() const noexcept { return rules_.empty(); }
  // Findings suppressed so far (sum of hits).
  std::size_t suppressed_count() const noexcept;
  // "" when nothing was suppressed, else one line for the exit summary:
  // "concheck: suppressed 3 findings: 2 lock-order-inversion:*legacy*, 1 *:vendor/*\n".
  std::string summary() const;

 private:
  std::vector<suppression_rule> rules_;
};

struct suppressions::parse_result {
  std::optional<suppressions> value;  // set on success
  std::string error;                  // "source:line: message" on failure
  explicit operator bool() const noexcept { return value.has_value(); }
};

}  // namespace concheck::detector
