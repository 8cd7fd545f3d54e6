// concheck runtime: finding on disk a source file that debug information
// names by a relative path. INTERNAL.
//
// A compiler records __FILE__ and the line table's directories as it was
// given them. CMake passes absolute paths, but a build whose compiler sees
// relative ones (ccache with base_dir, a hand-written Makefile, a build
// system that runs the compiler from its build root) records
// "../src/x.cpp", relative to a compile directory that the runtime does not
// know (libbacktrace gives no DW_AT_comp_dir, and a cached object may carry
// another tree's). The compile directory is nearly always the directory of
// the module being built or one of its ancestors (make compiles in the
// target's directory, ninja in the build root), so those are tried, nearest
// first, then the working directory.
//
// Used at report time only (lock_names.cpp): it makes at most
// kMaxAncestors + 2 access() calls and never reads the files.
#pragma once

#include <string>
#include <string_view>

namespace concheck::detail {

inline constexpr int kMaxSourceAncestors = 8;

// The first existing regular file among `file` joined to the directory of
// `module` and to each of its ancestors (at most kMaxSourceAncestors levels
// up), then to the working directory; "" when `file` is empty or absolute, or
// none exists.
std::string find_relative_source(std::string_view file, std::string_view module);

}  // namespace concheck::detail
