// concheck analyzer: flags that let clang parse code written for GCC (private).
//
// gcc_compat_flags(compiler) gives the extra flags added to a compile command
// whose compiler is GCC (g++, gcc, cc, c++, or a cross/versioned name of them)
// so that GCC-only leniency does not make a whole file unparseable:
//  - GCC's __sync_*_compare_and_swap builtins convert their operands to the
//    pointee type; clang rejects `__sync_bool_compare_and_swap(&void_ptr, 0,
//    1)` ("cannot initialize a parameter of type 'void *' with an rvalue of
//    type 'int'": Kyoto Cabinet's SpinLock in kcthread.cc). A function-like
//    macro of the same name performs GCC's conversion and then calls the
//    builtin (a macro's own name is not expanded again), which is what GCC
//    compiles, so the meaning is unchanged.
// Commands of other compilers get nothing. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace concheck::analyzer::detail {

std::vector<std::string> gcc_compat_flags(const std::string& compiler);

}  // namespace concheck::analyzer::detail
