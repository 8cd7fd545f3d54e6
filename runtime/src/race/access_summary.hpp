// concheck runtime: the per-location access summary (option access_summary,
// docs/race.md). INTERNAL.
//
// "Which of my data is really shared, and by what lock?" For every global
// variable and every heap block instrumented code touched, the engine's
// per-granule records (race_runtime.hpp, location_state) are merged into one
// verdict per location:
//   racy > synchronized > locked > partitioned > thread-local
// (the first that applies: a race on any byte makes the variable racy; a
// shared byte with no common lock makes it synchronized; shared bytes all
// under common locks make it locked, naming the intersection; bytes each used
// by one thread, not all the same, make it partitioned).
// Globals are found by walking every module's writable segments and naming
// each touched granule by its symbol (symbolize.hpp); heap blocks are grouped
// by allocation site: freed blocks are folded in when they are freed
// (summarize_freed_block, called before their shadow is reset), live ones at
// exit. Memory: one record per allocation site, at most kMaxSites (later
// sites are counted, not kept).
#pragma once

#include "race_heap.hpp"

namespace concheck::detail {

// Folds a block about to be freed into its allocation site's record. Only
// while the option is on (otherwise returns at once).
void summarize_freed_block(const heap_block& block) noexcept;
// Writes the summary to the log (report_sink.hpp). Registered with atexit at
// start when the option is on; does nothing if race detection never began.
void write_access_summary() noexcept;

}  // namespace concheck::detail
