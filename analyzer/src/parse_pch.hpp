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
#pragma once

#include <clang-c/Index.h>

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

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
  // no PCH (building one costs more than parsing that TU once). Call before
  // the workers start; without it every flag set gets a PCH.
  void plan(const std::vector<compile_job>& jobs);

  // The command line of `job` with `-include-pch PCH` added.
  static std::vector<std::string> with_pch(const compile_job& job, const std::string& pch);

  unsigned built() const { return built_.load(); }

  // The header the PCHs are built from (canonical path): a TU parsed with a
  // PCH lists it among its includes, but it is not a project header.
  const std::string& header() const { return header_; }

  // Runs each build through `runner` (which calls the build and returns its
  // result, the PCH path or ""): the file limits run it in a child process
  // (parse_limits.hpp). Call before the workers start.
  using build_runner = std::function<std::string(const std::function<std::string()>& build)>;
  void isolate(build_runner runner) { runner_ = std::move(runner); }

 private:
  std::string build(CXIndex index, const compile_job& job, unsigned number);

  std::string folder_;
  std::string header_;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<std::string>> entries_;  // guarded by mutex_
  std::map<std::string, unsigned> users_;  // written by plan() before the workers start
  std::atomic<unsigned> built_{0};
  build_runner runner_;  // empty: builds run in the calling thread
};

// True when `job` is parsed as C++ (not C, not Objective-C).
bool is_cplusplus_job(const compile_job& job);

}  // namespace concheck::analyzer
