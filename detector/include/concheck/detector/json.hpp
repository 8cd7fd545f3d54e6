// concheck detector: reading saved JSON Lines findings.
//
// parse_finding_json() is the inverse of render_json() (render.hpp): for every
// finding f, parse_finding_json(render_json(f)) yields a value equal to f. It
// accepts exactly the schema of docs/report-format.md: schema_version must be
// present and one this build understands (kReportSchemaVersion), kind must be
// a known finding kind name; unknown extra fields are ignored (so newer minor
// additions stay readable), wrong types are errors. Pure function; thread-safe.
// parse_findings_json_lines() reads a whole saved report, one record a line.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detector {

struct finding_parse_result {
  std::optional<finding> value;  // set on success
  std::string error;             // set on failure: what is wrong, naming the field

  explicit operator bool() const noexcept { return value.has_value(); }
};

// Parses one JSON Lines record (surrounding whitespace allowed).
finding_parse_result parse_finding_json(std::string_view line);

struct findings_parse_result {
  std::optional<std::vector<finding>> value;  // set on success, in file order
  std::string error;                          // set on failure: "NAME:LINE: message"

  explicit operator bool() const noexcept { return value.has_value(); }
};

// Reads every finding of a JSON Lines report (as written with
// CONCHECK_OPTIONS=format=json) from `in` to its end; blank lines and records
// that are not findings (notices, thread dumps: log_records.hpp) are skipped.
// Stops at the first malformed line, with an error naming `name` (a path, or
// "<stdin>") and the line number (a line over kMaxLogLineBytes or with a NUL
// byte is one); a stream read error is reported as "NAME: read error after
// line N". Keeps every finding in memory: to stream a log, use
// json_lines_reader and parse_log_record. Does no other I/O; thread-safe.
findings_parse_result parse_findings_json_lines(std::istream& in, std::string_view name);

}  // namespace concheck::detector
