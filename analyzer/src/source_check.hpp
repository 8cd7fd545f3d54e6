// concheck analyzer: checks made before parsing, so that bad input gets a
// clear message naming the file instead of a crash, a hang or a wrong answer.
//
// check_source_file() refuses what libclang should never be handed: a missing
// or unreadable path, a directory, a FIFO or device (reading one could block
// forever), a file over the size limit. check_builtin_headers() verifies that
// the loaded libclang finds clang's builtin headers (stddef.h and friends from
// libclang-common-19-dev): without them <mutex> fails to parse, and an
// analysis of the broken AST would quietly give wrong answers.
#pragma once

#include <clang-c/Index.h>

#include <cstddef>
#include <string>

namespace concheck::analyzer {

// "" when `path` is a readable regular file of at most `max_size` bytes;
// otherwise "PATH: error: <what is wrong>". Opens the file read-only.
std::string check_source_file(const std::string& path, std::size_t max_size);

// "" when libclang (through `index`) resolves #include <stddef.h> in its
// builtin header folder; otherwise a message naming the folder libclang
// looked in and the Debian package to install. Costs one tiny parse (~ms).
std::string check_builtin_headers(CXIndex index);

// The file libclang was loaded from (via dladdr), or "" if unknown.
std::string loaded_libclang_path();

}  // namespace concheck::analyzer
