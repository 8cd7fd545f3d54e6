// concheck analyzer: the translation units to analyze, from the command line
// or from a build's compile_commands.json.
//
// A compile_job is everything needed to parse one source file the way the
// build compiles it: the whole compiler command line (argv[0] is the
// compiler) rewritten so that it can be parsed from any working directory
// (the source and include paths made absolute, plus `-working-directory` for
// whatever else is relative), and without the flags that would make the
// parse write files (-o, -MD/-MF and friends). Loading validates the
// database first (compile_db_json.hpp) and reports an unreadable, empty or
// malformed file with a message naming it, its line and column; an entry
// whose strings are not UTF-8 is skipped with a warning (in `errors`) and
// the others are loaded. It never throws.
#pragma once

#include <string>
#include <vector>

namespace concheck::analyzer {

struct compile_job {
  std::string file;               // absolute, lexically normal path of the source
  std::string directory;          // the entry's working directory (absolute)
  std::vector<std::string> argv;  // full command line, source included, ready to parse
};

struct compile_jobs {
  std::vector<compile_job> jobs;
  std::vector<std::string> errors;  // one clear message per problem, naming the file
  bool fatal = false;               // nothing can be analyzed (no database, unreadable, ...)
};

// Jobs for FILES given on the command line (no -p): `clang++ -std=c++20 -xc++
// FLAGS... FILE`, parsed from the current directory.
compile_jobs jobs_from_files(const std::vector<std::string>& files, const std::vector<std::string>& flags);

// Jobs from BUILD_DIR/compile_commands.json (through libclang's compilation
// database). When `filter` is not empty, only entries for those files are
// kept and a filter file with no entry is an error. `extra_flags` are added
// after each entry's own flags. One job per distinct source file (the first
// entry wins), in database order.
compile_jobs jobs_from_database(const std::string& build_dir, const std::vector<std::string>& filter,
                                const std::vector<std::string>& extra_flags);

// The absolute, lexically normal form of `path` relative to `base` (cwd when empty).
std::string absolute_path(const std::string& path, const std::string& base = {});

}  // namespace concheck::analyzer
