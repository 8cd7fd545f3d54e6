// concheck analyzer: warnings about code the analysis did not follow.
//
// The AST walks stop descending past a nesting depth (ast_walker.hpp's
// kMaxDepth) or when their thread's stack runs low (stack_budget.hpp), so a
// generated expression thousands of levels deep cannot crash a worker. What
// lies below the cut is not analyzed; walk_warnings() turns each cut that
// extract_facts() recorded into a warning naming file:line:col of the cut
// and the function, so the user learns that part of the code was skipped
// instead of trusting a silent "no findings". The CLI prints them on stderr
// (text, json) or as SARIF tool execution notifications of level warning;
// they do not change the exit status.
//
// Contract: deterministic (sorted by location, one warning per location
// even when several TUs walked the same header body). Cost: one pass over
// the functions' facts.
#pragma once

#include <vector>

#include "analysis.hpp"
#include "diagnostic.hpp"

namespace concheck::analyzer {

std::vector<note> walk_warnings(const std::vector<tu_facts_ptr>& facts);

}  // namespace concheck::analyzer
