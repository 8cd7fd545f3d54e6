// concheck analyzer: reading compile_commands.json with messages in
// concheck's own words (private).
//
// A small strict JSON reader (RFC 8259: no comments, no trailing commas)
// that keeps each value's line, column and byte span, so that every problem
// is reported as "FILE:LINE:COL: what was expected, what was found", never
// as a parser library's text. Strings are not required to be UTF-8: a
// string whose bytes are not UTF-8 is read and flagged (`valid_utf8`), so
// that one entry with a Latin-1 path can be skipped while the rest of the
// database is analyzed.
//
// read_compile_db() then checks the shape of the database: an array of
// objects, each with a string "directory" and "file" and a string "command"
// or an array of strings "arguments". A shape error stops everything (the
// file is not a compilation database); an entry whose strings are not UTF-8
// is only left out, with a warning naming its index.
//
// Cost: one pass over the text, O(size) time and memory; no recursion
// deeper than the document's nesting (at most kMaxNesting levels).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concheck::analyzer {

struct json_value {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  std::string text;  // string: the decoded bytes; number: its spelling
  bool boolean = false;
  bool valid_utf8 = true;                                   // string: false when its bytes are not UTF-8
  std::vector<json_value> items;                            // array
  std::vector<std::pair<std::string, json_value>> members;  // object, in order
  unsigned line = 0;                                        // 1-based, where the value starts
  unsigned column = 0;                                      // 1-based, in bytes
  std::size_t begin = 0;                                    // byte span in the text
  std::size_t end = 0;

  const json_value* member(std::string_view name) const;
};

inline constexpr unsigned kMaxNesting = 512;

struct json_read_result {
  bool ok = false;
  json_value value;
  unsigned line = 0;  // error position when !ok
  unsigned column = 0;
  std::string error;  // "expected ',' or ']' after an array element, found '}'"
};

// Parses `text` as one JSON document.
json_read_result read_json(std::string_view text);

// A kind's name in messages: "a string", "an array", ...
const char* json_kind_name(json_value::kind kind);

struct compile_db_text {
  std::string fatal;                  // "PATH:L:C: error: ..." when the file is no database; else ""
  std::vector<std::string> warnings;  // "PATH:L:C: warning: entry 3 skipped: ..."
  std::size_t entries = 0;            // entries in the file
  // The database with the skipped entries left out (the kept entries'
  // original text, joined), or "" when nothing was skipped.
  std::string filtered;
  std::size_t kept = 0;
};

// Checks the text of compile_commands.json at `path` (named in messages).
compile_db_text read_compile_db(const std::string& path, std::string_view text);

}  // namespace concheck::analyzer
