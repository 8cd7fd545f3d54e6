// concheck analyzer: parsing each project header's function bodies once per
// run instead of once per translation unit.
//
// Template-heavy headers make a TU expensive: every test body instantiates
// them again (GoogleTest's gmock-matchers-containers_test.cc: 9.6 s and
// 540 MB parsed whole; 1.6 s and 175 MB with the bodies of its #include
// block skipped, measured here). So TUs are parsed with libclang's
// precompiled preamble and SkipFunctionBodies limited to that preamble: the
// main file keeps every body, the headers it includes at the top keep their
// declarations only. The bodies of the project's headers (non-system files)
// are then parsed once: the first TU that includes a header nobody has
// covered yet also parses a synthesized file holding the main file's own
// top-level project #includes (never written to disk: an unsaved file next
// to the main file, so quoted includes resolve the same), with every body,
// and its facts join the others. A header that does not parse on its own
// that way (one that is not self-contained) gets a second try after the
// main file's own system headers (include_file_text_after_system()); if that
// fails too, the TU falls back to one whole parse (docs/analyzer.md, "Speed").
//
// The header parse is only worth it for widely shared headers. A TU whose
// uncovered top-level project headers are each included by at most one other
// main file of the run is parsed whole instead, with no header parse
// (include_scan.hpp decides, from a text scan of the main files' #include
// lines before parsing, and gives the measurements); so is a TU whose
// #include lines reach few function bodies, for which the precompiled
// preamble costs more than the bodies (include_reach.hpp). Every header such a whole parse
// included is then claimed (its bodies were parsed and extracted with the
// TU, which is what claim()'s contract asks), so no later TU parses them
// again.
//
// Locking: header_registry's set of covered files is guarded by one mutex;
// claim() is called once per TU with its list of headers (cost: a set
// lookup per header).
#pragma once

#include <clang-c/Index.h>

#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace concheck::analyzer {

// The parse options of a TU with header bodies skipped.
inline constexpr unsigned kSkipHeaderBodies =
    CXTranslationUnit_PrecompiledPreamble | CXTranslationUnit_CreatePreambleOnFirstParse |
    CXTranslationUnit_SkipFunctionBodies | CXTranslationUnit_LimitSkipFunctionBodiesToPreamble;

struct project_includes {
  std::vector<std::string> all;        // every non-system file the TU includes (absolute)
  std::vector<std::string> top_level;  // those the main file itself #includes, in order
  // Files the main file includes after its first declaration: outside the
  // precompiled preamble, so their bodies were parsed with the main file.
  // libclang's inclusion list leaves them out when a TU has a preamble (it
  // assumes every direct include of the main file is in the preamble); they
  // are found as the files of top-level declarations it never listed.
  std::vector<std::string> parsed_here;
  // The main file's own #include lines that name system headers, spelled as
  // written (`<boost/test/unit_test.hpp>`), in order: what a header that is
  // not self-contained may need (include_file_text_after_system()).
  std::vector<std::string> system_top_level;
};

// The non-system files `tu` includes (not the main file, not system
// headers), leaving out the files that are themselves main files of the run
// (`main_files`, canonical paths) and everything included through them: a
// unity-build TU (`#include "a.cc"`, `#include "b.cc"`) must not parse again
// what a.cc's own TU covers. `file_lookups`, when given, counts the files
// whose system-ness needed libclang's search of the TU's whole source table
// (clang_getLocation: linear in the TU's entries, so a few ms each in a TU
// that includes Boost); the others are settled by their #include line
// lying in a system header.
project_includes project_includes_of(CXTranslationUnit tu, const std::set<std::string>& main_files,
                                     unsigned* file_lookups = nullptr);

class header_registry {
 public:
  // Marks `headers` covered; true when at least one was not covered before
  // (the caller must then parse their bodies).
  bool claim(const std::vector<std::string>& headers);
  // True when `header` is covered already.
  bool covers(const std::string& header) const;

 private:
  mutable std::mutex mutex_;
  std::set<std::string> covered_;  // guarded by mutex_
};

// The text of the synthesized file including `headers`.
std::string include_file_text(const std::vector<std::string>& headers);

// The second try of a header parse whose synthesized file did not parse: a
// project header that is not self-contained uses what the main file included
// before it (thrift's FunctionRunner.h calls `usleep` without <unistd.h>,
// which its includers' system headers declare). This text includes the main
// file's system headers first (`system`, spelled as the main file spells
// them, so they stay system headers), then a declaration that ends the
// preamble, then `headers`. Parsed with kSkipHeaderBodies, the system
// headers form the precompiled preamble and keep their declarations only,
// while the project headers after it keep every body.
std::string include_file_text_after_system(const std::vector<std::string>& system,
                                           const std::vector<std::string>& headers);

// The header named by one line of source text: `<a/b.h>` or `"a/b.h"` for
// `#include <a/b.h>` (spaces allowed around `#`), "" when the line is not
// such a directive (a macro include, a continued line).
std::string spelled_include(std::string_view line);

}  // namespace concheck::analyzer
