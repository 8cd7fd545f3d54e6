// concheck analyzer: the rules over the merged program (private). Each appends
// its diagnostics; analyze() sorts and deduplicates them.
#pragma once

#include <string>
#include <vector>

#include "diagnostic.hpp"
#include "summary.hpp"

namespace concheck::analyzer::detail {

void check_unprotected_writes(const program& p, bool raw, std::vector<diagnostic>& out);
void check_lock_order(const program& p, std::vector<diagnostic>& out);
void check_cv_wait_no_loop(const program& p, std::vector<diagnostic>& out);
void check_thread_not_joined(const program& p, std::vector<diagnostic>& out);
void check_blocking_under_lock(const program& p, std::vector<diagnostic>& out);

// "'a', 'b'" for messages.
std::string quoted_list(const std::vector<lock_name>& locks);

}  // namespace concheck::analyzer::detail
