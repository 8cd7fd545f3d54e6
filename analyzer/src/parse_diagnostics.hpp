// concheck analyzer: deciding whether a parsed translation unit can be analyzed.
//
// A TU with any diagnostic of severity error or fatal is never analyzed: an
// unseen <mutex> turns a locked write into an "unprotected" one. The one
// exception is the driver's complaints about command-line flags clang does
// not know (GCC-only flags in a compile_commands.json such as
// -fno-canonical-system-headers): they carry no source location, do not
// change what was parsed, and must not stop the analysis.
#pragma once

#include <clang-c/Index.h>

#include <string>

namespace concheck::analyzer {

// "" when `tu` has no error that matters; otherwise the first one as
// "file:line:col: error: message" (or just the message without a location).
std::string first_parse_error(CXTranslationUnit tu);

}  // namespace concheck::analyzer
