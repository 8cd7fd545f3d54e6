// concheck analyzer: a precompiled header of the standard library, shared by
// every translation unit parsed with the same flags.
//
// Parsing the standard headers dominates the analyzer's time (~0.6-1.5 s per
// C++20 TU that includes <thread> and <mutex>; the TU's own code and the
// analysis take milliseconds). The cache builds, once per distinct command
// line (minus the source file), a PCH of a synthesized header that includes
// the common standard headers, and every TU with those flags is then parsed
// with `-include-pch` (~10-30 ms instead of ~0.7 s, measured on this machine).
// The PCH is built with function bodies skipped: it holds only system
// headers, whose bodies the analysis never reads (functions with deduced
// return types and constexpr functions keep theirs, as clang requires).
//
// Locking: one mutex guards the key -> future map; the first worker asking
// for a key builds its PCH (outside the lock) while others with the same key
// wait on the shared future. Cost: one PCH build (~1 s, ~15 MB on disk) per
// distinct flag set; a lookup is a map search over the joined arguments.
// Files live in a private temporary folder removed by the destructor.
//
// A flag set's PCH may also hold library headers its TUs include directly
// (Boost.Test, GoogleTest: pch_libraries.hpp chooses them); TUs with the same
// flags and the same such headers share it. When it does not build, those
// TUs use the flag set's standard-headers PCH.
#pragma once

#include <clang-c/Index.h>

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "compile_db.hpp"

namespace concheck::analyzer {

class pch_cache {
 public:
  // Creates the temporary folder (under $TMPDIR or /tmp). If that fails the
  // cache stays disabled and get() returns "".
  pch_cache();
  ~pch_cache();
  pch_cache(const pch_cache&) = delete;
  pch_cache& operator=(const pch_cache&) = delete;

  // The PCH path to use for `job`, building it with `index` if needed; ""
  // when none applies (a C source, a command line with its own PCH, or the
  // standard headers did not parse with these flags).
  std::string get(CXIndex index, const compile_job& job);

  // Tells the cache which jobs will ask: a flag set used by a single TU gets
  // no PCH (building one costs more than parsing that TU once). `libraries`,
  // when given (one entry per job), holds the library headers each job's main
  // file includes directly (include_reach_scanner::direct_libraries_of()):
  // the common ones join that job's PCH (pch_libraries.hpp). Call before the
  // workers start; without it every flag set gets a PCH of the standard
  // headers alone.
  void plan(const std::vector<compile_job>& jobs,
            const std::vector<std::vector<std::string>>& libraries = {});

  // The command line of `job` with `-include-pch PCH` added.
  static std::vector<std::string> with_pch(const compile_job& job, const std::string& pch);

  unsigned built() const { return built_.load(); }
  // How many of those hold library headers too.
  unsigned built_with_libraries() const { return built_with_libraries_.load(); }

  // Whether `path` (canonical) is a header the PCHs are built from: a TU
  // parsed with a PCH lists it among its includes, but it is not a project
  // header.
  bool is_own_header(const std::string& path) const;

  // Runs each build through `runner` (which calls the build and returns its
  // result, the PCH path or ""): the file limits run it in a child process
  // (parse_limits.hpp). Call before the workers start.
  using build_runner = std::function<std::string(const std::function<std::string()>& build)>;
  void isolate(build_runner runner) { runner_ = std::move(runner); }

 private:
  // The PCH of `key` (flags, then the library headers' names), built once.
  std::string get_key(CXIndex index, const compile_job& job, const std::string& key,
                      const std::vector<std::string>& libraries);
  std::string build(CXIndex index, const compile_job& job, unsigned number, const std::string& header);

  std::string folder_;
  std::string header_;  // the standard headers alone
  std::mutex mutex_;
  std::map<std::string, std::shared_future<std::string>> entries_;  // guarded by mutex_
  // Written by plan() before the workers start: the TUs per PCH key, and the
  // library headers of each job (by flags and source file).
  std::map<std::string, unsigned> users_;
  std::map<std::string, std::vector<std::string>> libraries_;
  std::atomic<unsigned> built_{0};
  std::atomic<unsigned> built_with_libraries_{0};
  build_runner runner_;  // empty: builds run in the calling thread
};

// True when `job` is parsed as C++ (not C, not Objective-C).
bool is_cplusplus_job(const compile_job& job);

}  // namespace concheck::analyzer
