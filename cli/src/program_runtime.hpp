// concheck CLI: whether a program carries concheck's runtime linked into the
// executable (libconcheck_static.a, concheck_instrument(<target> STATIC)).
//
// `concheck run` preloads libconcheck_preload.so into the program; a program
// that already holds a static copy of the runtime would then hold two, which
// the runtime refuses at start (runtime_copies.hpp). Such a program is run
// without the preload library: its own copy serves the schedules. The static
// copy marks the executable with an ELF section, `.concheck_runtime`
// (runtime_core.cpp, in the object every static link pulls in); section
// headers survive `strip`, symbols do not.
#pragma once

#include <string>

namespace concheck::cli {

// The executable `program` names as posix_spawnp would find it (a name
// without '/' is looked up in $PATH); "" if none is found.
std::string resolve_program(const std::string& program);

// Whether the ELF file at `path` has a section named `.concheck_runtime`.
// False for anything else (not ELF, unreadable, 32-bit, truncated).
bool carries_static_runtime(const std::string& path);

}  // namespace concheck::cli
