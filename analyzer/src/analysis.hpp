// concheck analyzer: the interface between the front end (CLI, compilation
// database, parsing, output) and the analyses (locksets, shared data, lock order).
//
// The front end parses each translation unit with libclang and hands it to
// extract_facts(), which walks the AST once and returns a summary that no
// longer refers to libclang objects (so the TU can be disposed of, and summaries
// from several TUs, even from worker threads, can be merged: entities are named
// by libclang USRs, which are the same in every TU). analyze() then runs the
// rules over the merged summaries and returns diagnostics, sorted by location.
#pragma once

#include <clang-c/Index.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "diagnostic.hpp"

namespace concheck::analyzer {

struct analysis_options {
  std::set<std::string> enabled_rules;  // empty = the default set
  bool raw_unprotected_writes = false;  // report any unlocked write to shared data
};

// Everything one translation unit contributes: per-function summaries, shared
// data, accesses, acquisitions, thread entry points. Opaque to the front end.
struct tu_facts;
struct tu_facts_deleter {
  void operator()(tu_facts*) const noexcept;
};
using tu_facts_ptr = std::unique_ptr<tu_facts, tu_facts_deleter>;

// Walks `tu` (which parsed without errors) and returns its facts. Only code in
// files that are not system headers is summarized. Thread-safe for distinct TUs.
tu_facts_ptr extract_facts(CXTranslationUnit tu, const analysis_options& options);

// Merges the facts of every TU and runs the enabled rules.
std::vector<diagnostic> analyze(const std::vector<tu_facts_ptr>& facts, const analysis_options& options);

// The rules analyze() knows, with one-line descriptions and help text (for
// --checks, SARIF rule metadata and docs).
struct rule_info {
  std::string name;
  std::string short_description;
  std::string help;
  bool enabled_by_default = true;
};
const std::vector<rule_info>& rules();

}  // namespace concheck::analyzer
