// concheck analyzer: the files that cost the most, for `--stats`.
//
// The corpus's time goal (issue 13) is won or lost on a few files: on
// thrift, a handful of TUs that include large parts of Boost take most of
// the run (bench/analyzer/README.md, "Where thrift's time goes"). Which
// files those are, and how each was parsed (docs/analyzer.md, "Parsing"),
// is what tells a slow parse mode from a slow file; `--stats` prints them.
//
// Contract: costliest_files_text() lists at most `count` files, costliest
// first, one line each after a heading: "concheck analyze: CPU WALL  WAY: FILE".
// The cost is the CPU time of the file's children when the file limits ran
// them (`cpu_known`: every parse in a child, parse_limits.hpp), otherwise
// its wall time (the CPU column then reads "-"). Ties keep job order. Files
// refused before parsing (no time spent) are left out. Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "compile_db.hpp"
#include "parse_pool.hpp"

namespace concheck::analyzer {

// "fast", "header parse", "whole by choice", "fell back", "plain".
const char* parse_way_name(parse_way way);

std::string costliest_files_text(const std::vector<compile_job>& jobs,
                                 const std::vector<parse_result>& results, bool cpu_known, std::size_t count);

// One line summing the files' cost per way of parsing, in parse_way's order,
// leaving out the ways no file took: "concheck analyze: CPU s by how parsed:
// fast 1.2 (3 files), whole by choice 8.0 (2 files)" ("wall s" when
// `cpu_known` is false). Files left out as above.
std::string cost_by_way_text(const std::vector<parse_result>& results, bool cpu_known);

// One line per file that fell back to a whole parse, in job order, with the
// first error of the parse that failed (parse_result::fallback_reason):
// "concheck analyze: fell back: FILE: header parse: PATH:LINE:COL: error: ...".
// Empty when no file fell back.
std::string fallback_reasons_text(const std::vector<compile_job>& jobs,
                                  const std::vector<parse_result>& results);

}  // namespace concheck::analyzer
