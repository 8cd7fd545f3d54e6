// concheck analyzer: which library headers join the precompiled header of a
// flag set (private; parse_pch.hpp builds it).
//
// The standard-library PCH (parse_pch.hpp) spares every TU the standard
// headers, but a test file also parses its test framework again in its own
// preamble: Boost.Test's declarations are 0.3 s of a thrift test's 0.4 s
// (0.02 s left with them in the PCH), GoogleTest's about 0.15 s of a leveldb
// test's 0.2-0.5 s (bench/analyzer/README.md). So a PCH may also hold the
// library headers (found in a folder of their own below a system folder:
// `boost/`, `gtest/`, as include_reach.hpp classifies them) that the main
// files of its flag set include directly.
//
// What each TU gets: a library header is common in a flag set when at least
// kPchLibraryMinFiles of its main files include it directly; a TU's PCH
// holds the common headers it includes itself (never one it does not, whose
// macros and names it never asked for), and TUs with the same flags and the
// same such headers share one PCH. A set shared by fewer than
// kPchLibraryMinFiles TUs is not worth its build (~0.5-1 s): the TUs of the
// largest such sets drop their least common header (ties: the last by name)
// and all are grouped again (a smaller group may grow by them), until every
// group is large enough or holds no library header (the standard-headers
// PCH).
//
// What it may change: in the PCH the library headers come before anything
// of the main file, as the standard headers already do: a macro the main
// file defines before its #include of one (thrift's tests `#define
// BOOST_TEST_MODULE name` first, which selects Boost.Test's own `main`) no
// longer reaches it. Code in system headers is never analyzed
// (facts_extract.cpp), so only a main file that tests such a macro's side
// effects itself would see a difference; a TU that does not parse with its
// PCH is parsed again without one (parse_pool.hpp). The text scan ignores
// conditionals: a header included only under a false `#if` may still join.
//
// Cost: one pass over the jobs and a map lookup per header; no locking (run
// once, before the workers start).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace concheck::analyzer {

// The fewest main files of a flag set that must include a library header for
// it to join their PCH, and the fewest TUs that must share one set of them.
inline constexpr std::size_t kPchLibraryMinFiles = 3;

// The key of the PCH of the flag set `flags` (a command line without its
// source) that also holds `headers` (any order): `flags`, then the headers in
// name order, each after a newline. TUs with the same key share one PCH.
std::string pch_library_key(const std::string& flags, std::vector<std::string> headers);

// For each job i, with `flag_keys[i]` its command line without the source
// and `libraries[i]` the library headers its main file includes directly
// (spelled as `#include <...>` names, in the file's order, no repeats): the
// headers its PCH holds after the standard ones, in the order of
// `libraries[i]`. Both vectors have one entry per job.
std::vector<std::vector<std::string>> pch_libraries_per_job(
    const std::vector<std::string>& flag_keys, const std::vector<std::vector<std::string>>& libraries);

}  // namespace concheck::analyzer
