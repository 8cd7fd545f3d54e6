// concheck runtime, race detection: what every __tsan_* hook shares.
// INTERNAL (race_runtime.hpp states the parts; docs/race.md the hooks).
//
// Code compiled with -fsanitize=thread (g++ or clang++) calls the __tsan_*
// entry points of tsan_hooks_*.cpp; concheck's runtime, not libtsan, defines
// them. A hook does nothing but its plain operation (an atomic still happens)
// when race detection is off, when concheck's own code is running
// (detail::tls_inside), or between __tsan_ignore_thread_begin/end.
#pragma once

#include <cstdint>

#include "race/explore_access.hpp"
#include "race/race_runtime.hpp"
#include "thread_registry.hpp"

namespace concheck::race {

// __tsan_ignore_thread_begin/end nesting depth of the calling thread.
extern __thread int tls_ignore_accesses __attribute__((tls_model("initial-exec")));

// The hook should record: detection on, not concheck's own code, not ignored.
[[gnu::always_inline]] inline bool hook_active() noexcept {
  return enabled() && detail::tls_inside == 0 && tls_ignore_accesses == 0;
}

// The instrumented code's address: the hook's return address. Hooks are
// extern "C" functions the compiler calls, never inlined into their caller.
#define CONCHECK_CALLER_PC() reinterpret_cast<std::uintptr_t>(__builtin_return_address(0))

}  // namespace concheck::race
