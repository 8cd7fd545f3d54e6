// concheck analyzer: the rules over the merged program (private). Each is
// registered once, with its name and descriptions, in analysis.cpp; it appends
// its diagnostics through a rule_output, and analyze() sorts and deduplicates
// them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis.hpp"
#include "diagnostic.hpp"
#include "summary.hpp"

namespace concheck::analyzer::detail {

// Where a rule puts its diagnostics. Each is stamped with the name the rule was
// registered under (analysis.cpp), so no rule spells its own name.
class rule_output {
 public:
  rule_output(std::string_view rule, std::vector<diagnostic>& out) noexcept : rule_(rule), out_(out) {}
  void add(location where, std::string message, std::vector<note> notes = {}) {
    out_.push_back(diagnostic{std::string(rule_), std::move(where), std::move(message), std::move(notes)});
  }

 private:
  std::string_view rule_;
  std::vector<diagnostic>& out_;
};

// The rules, one signature each so the registry can hold them.
void check_unprotected_writes(const program& p, const analysis_options& options, rule_output& out);
void check_lock_order(const program& p, const analysis_options& options, rule_output& out);
void check_cv_wait_no_loop(const program& p, const analysis_options& options, rule_output& out);
void check_thread_not_joined(const program& p, const analysis_options& options, rule_output& out);
void check_self_deadlock(const program& p, const analysis_options& options, rule_output& out);
void check_blocking_under_lock(const program& p, const analysis_options& options, rule_output& out);
void check_unprotected_reads(const program& p, const analysis_options& options, rule_output& out);

// "'a', 'b'" for messages.
std::string quoted_list(const std::vector<lock_name>& locks);

}  // namespace concheck::analyzer::detail
