// concheck analyzer: choosing, before parsing, which TUs are parsed whole
// rather than with their headers' bodies skipped plus a header parse
// (parse_headers.hpp).
//
// A header parse pays off when its headers are shared: their bodies are then
// parsed once instead of once per TU. When a TU's uncovered project headers
// are included by no other main file of the run (thrift's tests each include
// their own generated header), the header parse costs more than a whole
// parse (TestClient.cpp alone: 9.9 s CPU, 5.7 s whole; it also builds a
// precompiled preamble nobody reuses), so that TU is parsed whole instead.
// A header of two main files is treated the same (measured: thrift's test
// client and server pairs gain, bench/analyzer/README.md); three or more
// includers keep the header parse (kyotocabinet's headers, included by every
// test).
//
// The choice reads each main file's `#include "..."` and `#include <...>`
// lines as text (no preprocessing: conditionals and macros are ignored) and
// resolves quoted names against the file's folder, then the job's -iquote
// and -I folders, angled names against the -I folders only. It is an
// approximation: a wrong choice only costs time, never findings (both ways
// parse every body of the TU's headers).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compile_db.hpp"
#include "parse_headers.hpp"

namespace concheck::analyzer {

// The name in an `#include "NAME"` or `#include <NAME>` line (spaces and
// tabs allowed around `#`), or nullopt for any other line.
struct include_directive {
  std::string name;
  bool angled;  // <NAME>
};
std::optional<include_directive> include_directive_of(const std::string& line);

// The existing files `job`'s main file names in `#include "..."` and `<...>` lines
// (canonical paths, in order, without repeats), leaving out `main_files`.
// Nothing for a main file that is not a regular file of at most `max_size`
// bytes (a FIFO must not block the scan; source_check.hpp reports it).
std::vector<std::string> quoted_includes_of(const compile_job& job, const std::set<std::string>& main_files,
                                            std::size_t max_size);

// Per header: how many of the run's main files include it directly.
using include_counts = std::map<std::string, unsigned>;
include_counts count_includes(const std::vector<std::vector<std::string>>& per_file);

// The most main files a header may be included by for a whole parse to be chosen.
inline constexpr unsigned kWholeParseMaxIncluders = 2;

// True when a TU including `direct` directly is better parsed whole: at least
// one of them is not covered yet, and each one not covered is included by
// kWholeParseMaxIncluders main files at most.
bool parse_whole_by_choice(const std::vector<std::string>& direct, const include_counts& counts,
                           const header_registry& covered);

}  // namespace concheck::analyzer
