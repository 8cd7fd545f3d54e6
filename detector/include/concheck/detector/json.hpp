// concheck detector: reading saved JSON Lines findings.
//
// parse_finding_json() is the inverse of render_json() (render.hpp): for every
// finding f, parse_finding_json(render_json(f)) yields a value equal to f. It
// accepts exactly the schema of docs/report-format.md: schema_version must be
// present and one this build understands (kReportSchemaVersion), kind must be
// a known finding kind name; unknown extra fields are ignored (so newer minor
// additions stay readable), wrong types are errors. Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "concheck/detector/finding.hpp"

namespace concheck::detector {

struct finding_parse_result {
  std::optional<finding> value;  // set on success
  std::string error;             // set on failure: what is wrong, naming the field

  explicit operator bool() const noexcept { return value.has_value(); }
};

// Parses one JSON Lines record (surrounding whitespace allowed).
finding_parse_result parse_finding_json(std::string_view line);

}  // namespace concheck::detector
