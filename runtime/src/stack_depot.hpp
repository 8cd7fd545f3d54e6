// concheck runtime: capturing, storing and symbolizing stacks.
//
// Capture is cheap and done only when it can matter (see design.md): a stack
// is a sequence of return addresses, stored once in a lock-free, append-only
// depot keyed by its hash and named by a small id. Symbolizing (function,
// file:line, demangled, inlined frames expanded) happens only when a report is
// written, with gcc's libbacktrace; module + offset are always recorded so a
// report can be symbolized offline.
#pragma once

#include <cstdint>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detail {

using stack_id = std::uint32_t;       // 0 = no stack
inline constexpr stack_id kNoStack = 0;

// Captures the calling thread's stack, skipping `skip` innermost frames, at most
// options().stack_depth frames, and stores it. Async-signal-unsafe; no
// user-visible lock; bounded work. Returns kNoStack if capture failed.
stack_id capture_stack(int skip = 0) noexcept;

// Stores a one-frame stack made of `pc` (e.g. __builtin_return_address(0)).
stack_id stack_from_pc(std::uintptr_t pc) noexcept;

// The raw return addresses of a stored stack (empty for kNoStack).
std::vector<std::uintptr_t> stack_pcs(stack_id id);

// Symbolized frames of a stored stack, innermost first, with `internal` set on
// frames inside concheck and the standard library.
std::vector<detector::frame> symbolize_stack(stack_id id);

// A detector::site from a stack: its first non-internal frame gives file/line.
detector::site make_site(stack_id id);

}  // namespace concheck::detail
