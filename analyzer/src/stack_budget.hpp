// concheck analyzer: how much of the calling thread's stack is left (private).
//
// The AST walks recurse once per nesting level, and a generated expression
// (`x + x + ... + x`, tens of thousands of terms) is as deep as it is long.
// A fixed depth limit cannot be right for every stack: frames are several
// times larger under AddressSanitizer, libclang adds its own frames per
// level, and callers may run the analysis on small thread stacks. So the
// walks ask this instead: stop descending when less than `reserve` bytes of
// stack remain below the current frame.
//
// Contract: thread-safe (the stack bounds are looked up once per thread with
// pthread_getattr_np and cached in a thread_local). If the bounds cannot be
// found, the answer is always "not exhausted" and the walks' depth cap is
// the only bound.
#pragma once

#include <cstddef>

namespace concheck::analyzer::detail {

// Headroom kept for the deepest non-recursive work done at one level
// (libclang's visitor frames, token and USR queries, sanitizer frames).
inline constexpr std::size_t kStackReserve = 256 * 1024;

// True when fewer than `reserve` bytes of stack are left below the caller.
bool stack_nearly_exhausted(std::size_t reserve = kStackReserve) noexcept;

}  // namespace concheck::analyzer::detail
