// concheck runtime: one copy of the runtime per process. INTERNAL.
//
// The runtime comes three ways, built from the same objects: libconcheck.so
// (concheck::runtime), libconcheck_preload.so (LD_PRELOAD) and
// libconcheck_static.a (concheck::runtime_static, concheck_instrument(t
// STATIC)), which puts a copy inside the executable. Two shared copies
// (libconcheck.so and the preload library) are one runtime in effect: the
// dynamic linker binds every call from outside them to the first, the other
// stays idle (first_runtime_copy below). A copy inside the executable is
// different: the executable's own calls (its __tsan_* hooks, its lock and
// thread calls, concheck's API) are bound to it when the program is linked,
// and its interposers find the functions they wrap with dlsym(RTLD_NEXT), the
// next definition after the executable, which can be the other copy's
// interposers when it was loaded at start. (The executable exports what libconcheck.so exports,
// so the shared libraries' calls are bound to it too; without that export
// they went to the other copy.) Each copy has shadow memory, clocks, threads
// and lock graph of its own and sees a part of the program: races and lock
// orders between the parts missed, threads half known. So when the
// executable holds a copy and another one is loaded (a shared library that
// links libconcheck.so, or the preload library), the runtime stops the
// process with exit status 2 and says which two files they are
// (stop_at_start, start_error.hpp).
//
// Found by the anchor each copy defines (concheck_runtime_static_anchor): the
// copy in the executable looks for the next definition after itself
// (dlsym(RTLD_NEXT)), a shared copy for a definition in the executable that
// the dynamic linker sees first. Which object a copy is in comes from the
// address of a variable of its own (internal linkage): the anchor's address
// taken in a shared copy is the first definition in the process, which may be
// another copy's. The executable exports its anchor (the static runtime's
// dynamic list, runtime/CMakeLists.txt), so a shared copy that comes later
// with a library loaded by dlopen() finds it too, when its constructor runs
// inside the dlopen(): the process stops there the same way, saying the copy
// was loaded with dlopen() (the executable's copy sets its anchor to 1 once
// it has started; at start the shared copies load before it, and find 0).
// Cost: one dladdr1() and one dlsym(), once per copy, at load; allocates
// nothing of its own.
#pragma once

namespace concheck::detail {

// Stops the process (exit status 2, with an explanation) when the executable
// holds a copy of the runtime and another copy is loaded. Call it at load,
// before the runtime initializes anything.
void check_single_runtime_copy() noexcept;

// True when this copy is the one the dynamic linker binds calls to: the only
// copy, or the first of two shared ones (libconcheck_preload.so before
// libconcheck.so). What is said once per process (help=1) is said by it.
bool first_runtime_copy() noexcept;

}  // namespace concheck::detail
