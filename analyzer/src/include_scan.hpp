// concheck analyzer: choosing, before parsing, which TUs are parsed whole
// rather than with their headers' bodies skipped plus a header parse
// (parse_headers.hpp).
//
// A header parse pays off when its headers are shared: their bodies are then
// parsed once instead of once per TU. When a TU's uncovered project headers
// are included by no other main file of the run (thrift's tests each include
// their own generated header), the header parse only parses them a second
// time (the TU's preamble declarations, then the bodies on their own), so
// that TU is parsed whole instead: its bodies are parsed once either way.
//
// The choice reads each main file's `#include "..."` lines as text (no
// preprocessing: conditionals and macros are ignored) and resolves the
// names against the file's folder, then the job's -iquote and -I folders.
// It is an approximation: a wrong choice only costs time, never findings
// (both ways parse every body of the TU's headers once).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "compile_db.hpp"
#include "parse_headers.hpp"

namespace concheck::analyzer {

// The existing files `job`'s main file names in `#include "..."` lines
// (canonical paths, in order, without repeats), leaving out `main_files`.
std::vector<std::string> quoted_includes_of(const compile_job& job, const std::set<std::string>& main_files);

// Per header: how many of the run's main files include it directly.
using include_counts = std::map<std::string, unsigned>;
include_counts count_includes(const std::vector<std::vector<std::string>>& per_file);

// True when a TU including `direct` directly is better parsed whole: at least
// one of them is not covered yet, and each one not covered is included by
// this main file only.
bool parse_whole_by_choice(const std::vector<std::string>& direct, const include_counts& counts,
                           const header_registry& covered);

}  // namespace concheck::analyzer
