// concheck analyzer: parsing translation units on N worker threads and
// extracting their facts.
//
// Each worker owns one CXIndex (libclang indexes are not shared between
// threads) and takes the next job from an atomic counter, largest source
// file first. A job is checked
// (source_check.hpp), parsed with the shared standard-library PCH when one
// applies (parse_pch.hpp) and with its headers' function bodies skipped
// (parse_headers.hpp: they are parsed once per run instead), refused when it
// has a parse error, and otherwise handed to extract_facts(). A TU that fails
// in that fast mode is parsed again whole and without the PCH, so neither
// shortcut ever causes an error of its own. Results come back in job order,
// so the output does not depend on -j or on timing.
//
// With file limits (the default), each parse and extraction runs in a child
// process forked by the worker and watched against the time and memory
// limits (parse_limits.hpp); the worker keeps the shared state (PCH cache,
// header registry) and receives the facts through a pipe (facts_wire.hpp).
// A file that hits a limit gets its error; the other files are unaffected.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "compile_db.hpp"
#include "parse_limits.hpp"
#include "progress.hpp"

namespace concheck::analyzer {

struct parse_settings {
  unsigned jobs = 1;
  bool use_pch = true;
  bool skip_header_bodies = true;  // false: parse every TU whole (--full-parse)
  std::size_t max_file_size = std::size_t{64} << 20;
  analysis_options analysis;
  bool extract = true;  // false: parse and check only (every rule disabled)
  // Per-file time and memory limits; when enabled every parse runs in a
  // supervised child process (parse_limits.hpp).
  file_limits limits;
};

// How a TU was parsed (parse_headers.hpp), for --stats. The values index
// arrays in parse_costs.cpp: keep them 0, 1, 2, ... in this order.
enum class parse_way {
  fast,          // header bodies skipped, every header it includes already covered
  header_parse,  // header bodies skipped, then a synthesized file parsing its project headers' bodies
  whole,         // parsed whole by a per-file choice (include_scan.hpp, include_reach.hpp)
  fell_back,     // the fast mode failed: parsed again whole
  plain,         // --full-parse or every rule off (or the file was refused before parsing)
};

struct parse_result {
  std::vector<tu_facts_ptr> facts;  // empty when the TU was not analyzed (or rules are off)
  std::string error;                // "FILE: error: ..." when it could not be analyzed
  double seconds = 0;               // parse + extraction time
  // With file limits: the CPU time of its children (their parses and
  // extractions, child_time.hpp; not a PCH build it waited for); 0 without.
  double cpu_seconds = 0;
  parse_way way = parse_way::plain;
  bool used_pch = false;
  bool fell_back = false;  // the fast mode failed and the TU was parsed whole
  // When it fell back: why, the first error of the parse that failed (the
  // header parse's synthesized file or the fast parse), for --stats.
  std::string fallback_reason;
  std::size_t memory_growth = 0;  // with file limits: the most a child grew for this TU (bytes)
};

struct parse_stats {
  unsigned pch_built = 0;
  unsigned pch_with_libraries = 0;  // of those, PCHs holding library headers too (pch_libraries.hpp)
  unsigned header_parses = 0;       // synthesized TUs parsing project headers' bodies
  // Header parses that failed and were tried again after the main file's
  // system headers (include_file_text_after_system()), and how many of those
  // parsed (each spares its TU a whole parse).
  unsigned header_retries = 0;
  unsigned header_retries_parsed = 0;
  unsigned parsed_whole = 0;  // TUs parsed whole by a per-file choice (include_scan.hpp, include_reach.hpp)
};

std::vector<parse_result> parse_all(const std::vector<compile_job>& jobs, const parse_settings& settings,
                                    progress_line& progress, parse_stats* stats = nullptr);

}  // namespace concheck::analyzer
