// concheck analyzer: choosing, before parsing, the TUs that are cheaper parsed
// whole because of how little they include (the second per-file choice next
// to include_scan.hpp's count of includers).
//
// The fast mode (parse_headers.hpp) builds a precompiled preamble of every
// header a TU includes, with their bodies skipped, then parses the main file.
// For a small TU that preamble costs more than parsing its headers' bodies:
// zeromq3's 226 TUs reach 30-420 KB of project headers and no library
// headers, and each one costs 0.15-0.25 s CPU in the fast mode against
// 0.08-0.15 s parsed whole (bench/analyzer/README.md). The fast mode pays off
// when a TU reaches many header bodies: the template-heavy headers of a
// library outside the standard one (GoogleTest and GoogleMock's 0.5-1 MB:
// leveldb's and google-glog's tests cost 1.5-2x as much parsed whole), or
// large project headers full of inline code (kyotocabinet's tests reach
// 280-990 KB).
//
// So a TU is parsed whole when, following its `#include` lines as text
// through every file they reach, the function bodies in the project and
// library headers it reaches come to at most kWholeParseMaxBodyBytes
// (body_bytes.hpp; measured on the six projects of the corpus: zeromq3's TUs
// reach at most 29 KB of bodies and gain parsed whole; a TU reaching GoogleTest
// reaches 41 KB or more, kyotocabinet's 42 KB or more, and loses; re2's,
// leveldb's and google-glog's other TUs reach at most 14 KB and cost about
// the same either way). A file found in a system folder (the job's -isystem
// folders, then the default ones) is a system header; it is a library header
// when it lies in a folder of its own below that system folder (`boost/`,
// `gtest/`, `openssl/`), except the C library's and the kernel's folders
// (`bits/`, `sys/`, `asm/`, `linux/`, `net*/`, `arpa/`, `rpc*/`, `gnu/`,
// `scsi/`), whose headers are not counted, nor are those directly in a system
// folder (`stdio.h`, `pthread.h`, `zlib.h`: C declarations). The C++ standard
// library is not found there at all (`<vector>` lies in a folder of the
// compiler's) and the standard-header PCH holds what a TU uses of it.
//
// As in include_scan.hpp the scan ignores conditionals and macros, so it
// over-counts (every branch of Boost's configuration is followed); a wrong
// choice only costs time, never findings: both ways parse every body of the
// TU's project headers. The scan of a TU stops as soon as it exceeds the
// budget. Cost: each file is read once per run (its #include lines and body
// bytes cached) and each name is resolved once per search-folder list and
// including folder (cached), then one walk per TU over the files it reaches.
//
// Locking: none; the scanner is used by one thread before the workers start.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "compile_db.hpp"

namespace concheck::analyzer {

// The most bytes of function bodies a TU may reach to be parsed whole (above).
inline constexpr std::uintmax_t kWholeParseMaxBodyBytes = 32 * 1024;

// What a TU reaches through #include lines, up to the point where the scan
// stopped (`within_budget` false: a budget was exceeded).
struct include_reach {
  std::uintmax_t project_bytes = 0;  // files outside the system folders, main files left out
  std::uintmax_t library_bytes = 0;  // library headers, as above
  std::uintmax_t body_bytes = 0;     // function bodies in both (body_bytes.hpp)
  bool within_budget = true;         // body_bytes within the scanner's budget
};

class include_reach_scanner {
 public:
  // `system_folders`: searched after the job's -isystem folders, in order.
  explicit include_reach_scanner(std::vector<std::string> system_folders = default_system_folders(),
                                 std::uintmax_t max_body_bytes = kWholeParseMaxBodyBytes);

  // The reach of `job`'s main file, leaving out `main_files` (canonical) and
  // what is reached only through them. Nothing is reached from a main file
  // that is not a regular file of at most `max_size` bytes.
  include_reach reach_of(const compile_job& job, const std::set<std::string>& main_files,
                         std::size_t max_size);

  // The library headers (classified as reach_of() does) that `job`'s main
  // file names in its own #include lines, as `#include <...>` names, in the
  // file's order, without repeats; nothing for a main file that is not a
  // regular file of at most `max_size` bytes. A quoted name found in a system
  // folder counts too: no folder searched before the system ones holds it,
  // so its angled spelling finds the same file. For the library headers of a
  // PCH (pch_libraries.hpp).
  std::vector<std::string> direct_libraries_of(const compile_job& job, std::size_t max_size);

  // /usr/local/include, the multiarch folder, /usr/include (those that exist).
  static std::vector<std::string> default_system_folders();

 private:
  struct include_line {
    std::string name;
    bool angled;
  };
  struct file_text {
    std::vector<include_line> includes;
    std::uintmax_t body_bytes = 0;
  };
  struct found {
    std::string path;  // empty: not found
    bool system = false;
    bool library = false;
    std::uintmax_t size = 0;
  };
  const file_text& read(const std::string& path);
  const found& resolve(const std::vector<std::string>& quote, const std::vector<std::string>& angled,
                       const std::vector<std::string>& system, const std::string& from_folder,
                       const include_line& line);
  found classify(const std::string& path, const std::vector<std::string>& system) const;

  std::vector<std::string> system_folders_;
  std::uintmax_t max_body_bytes_;
  std::map<std::string, file_text> files_;
  // Per search list (joined), including folder ("" for angled names) and name.
  std::map<std::string, found> resolved_;
};

// True when the TU is cheaper parsed whole by its reach (above).
inline bool parse_whole_by_size(const include_reach& reach) {
  return reach.within_budget;
}

}  // namespace concheck::analyzer
