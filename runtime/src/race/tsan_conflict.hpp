// concheck runtime: ThreadSanitizer's runtime linked by mistake. INTERNAL.
//
// Race detection works by compiling user code with -fsanitize=thread and
// linking concheck, which defines the __tsan_* hooks that code calls. Linking
// -fsanitize=thread as well brings ThreadSanitizer's own runtime (g++:
// libtsan.so, clang++: a static copy inside the executable). Its hooks come
// first in symbol resolution, so concheck would see no access; worse, its
// malloc replaces libc's while concheck's operator delete frees through libc,
// so the process crashes at the first delete (SEGV in free, reported by TSan
// with no hint of the cause; measured with g++ 12 and clang 14). The runtime
// therefore looks for it first thing at start, explains, and ends the process
// with exit status 2, as for a malformed CONCHECK_OPTIONS.
//
// Cost: one walk over the loaded modules and one dlsym(), once, at the
// runtime's initialization. Allocates nothing (with TSan's malloc in the
// process, concheck's own frees are what crash): its message goes through
// stop_at_start() (start_error.hpp), text or a JSON `notice` record.
#pragma once

#include <cstddef>

namespace concheck::race {

// Copies to `path` (NUL-terminated, cut to `capacity`) the module that carries
// ThreadSanitizer's runtime and returns true, or returns false when there is
// none: a loaded libtsan*.so / libclang_rt.tsan*.so, or the module that exports
// a symbol only TSan's runtime has (__tsan_java_init: clang links its runtime
// into the executable and exports its API from there).
bool find_libtsan(char* path, std::size_t capacity) noexcept;

// If ThreadSanitizer's runtime is in the process: writes the explanation to
// stderr and ends the process with _exit(2). Call it in the runtime's init
// before anything that allocates.
void check_for_libtsan() noexcept;

}  // namespace concheck::race
