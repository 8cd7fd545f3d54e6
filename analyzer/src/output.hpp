// concheck analyzer: rendering diagnostics as text, JSON Lines or SARIF 2.1.0.
//
// text   file:line:col: warning: message [concheck-RULE]
//        file:line:col: note: message            (one per note)
//        Paths under the current folder are shown relative to it.
// json   one object per finding per line: {"rule", "file", "line", "column",
//        "message", "notes": [{"file", "line", "column", "message"}]}, with
//        absolute paths.
// sarif  one SARIF 2.1.0 log as GitHub code scanning accepts it: the rules
//        with descriptions and help, results with locations relative to the
//        source root (uriBaseId %SRCROOT%), notes as relatedLocations, and a
//        partial fingerprint that survives unrelated line shifts; files that
//        could not be analyzed become tool execution notifications.
// Invalid UTF-8 in paths or messages is replaced (U+FFFD), never a crash.
#pragma once

#include <string>
#include <vector>

#include "analysis.hpp"
#include "diagnostic.hpp"

namespace concheck::analyzer {

struct output_context {
  std::string cwd;                  // for relative display paths (text)
  std::string source_root;          // absolute; SARIF's %SRCROOT%
  std::vector<std::string> errors;  // files that could not be analyzed (SARIF notifications)
  std::vector<note> warnings;  // code that was not analyzed (walk_warnings.hpp): SARIF warning notifications
};

std::string render_text(const std::vector<diagnostic>& diagnostics, const output_context& context);
std::string render_json(const std::vector<diagnostic>& diagnostics, const output_context& context);
std::string render_sarif(const std::vector<diagnostic>& diagnostics, const std::vector<rule_info>& rules,
                         const output_context& context);

// `file` relative to `base` when it lies under it, else unchanged.
std::string relative_if_under(const std::string& file, const std::string& base);

}  // namespace concheck::analyzer
