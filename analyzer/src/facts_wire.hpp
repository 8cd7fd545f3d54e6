// concheck analyzer: the facts of a TU as bytes, to bring them back from the
// child process that parsed it (parse_limits.hpp) (private).
//
// A plain binary encoding: integers as 8 bytes, strings and vectors as a
// length and their items, structs as their fields in declaration order.
// Each struct lists its fields once (facts_wire.cpp), and a static_assert
// on the struct's number of fields stops the build when a field is added to
// facts.hpp without being added there, so no fact is ever lost on the way.
// Writer and reader are the same program, so there is no versioning; a
// truncated or corrupt buffer makes decode throw std::runtime_error.
//
// Cost: linear in the size of the facts (one pass each way; strings are
// interned again on the parent's side).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analysis.hpp"

namespace concheck::analyzer {

// What a child sends back for one parse.
struct wire_result {
  bool parsed = false;      // the TU parsed without errors
  std::string parse_error;  // otherwise libclang's first error
  std::vector<tu_facts_ptr> facts;
  std::string extract_error;              // extract_facts threw: its message
  std::vector<std::string> includes_all;  // project_includes of the TU (fast mode)
  std::vector<std::string> includes_top_level;
  std::vector<std::string> includes_parsed_here;
  std::vector<std::string> includes_system_top_level;
};

std::string encode_result(const wire_result& result);
wire_result decode_result(std::string_view bytes);

}  // namespace concheck::analyzer
