// concheck runtime: capturing, storing and symbolizing stacks.
//
// Capture is cheap and done only when it can matter (see design.md): a stack
// is a sequence of return addresses, stored once in a lock-free, append-only
// depot keyed by its hash and named by a small id. Symbolizing (function,
// file:line, demangled, inlined frames expanded) happens only when a report is
// written, with gcc's libbacktrace; module + offset are always recorded so a
// report can be symbolized offline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detail {

using stack_id = std::uint32_t;  // 0 = no stack
inline constexpr stack_id kNoStack = 0;

// The depot (stack_depot.cpp): an open-addressing hash table of stack ids over
// an append-only array of entries and an append-only array of return
// addresses, all in one lazily mmap'd, never-freed region (no malloc, so it is
// safe inside interposed functions and during static destruction).
// Algorithm: hash the pcs, probe linearly; a new stack is written first and
// then published by a CAS of its id into an empty slot, so readers never see a
// half-written stack. Lock-free: no lock at all, hence never a user-visible
// one. Capture uses libgcc's _Unwind_Backtrace (correct without frame
// pointers, unlike a frame-pointer walk; does not reroute exception unwinding
// as libunwind would): ~1.3 us for 16 frames on an idle machine here, 3-8 us
// under load. On x86-64 a per-thread cache of the last two captures, validated
// against the return addresses still on the stack (stack_depot.cpp), makes a
// repeated capture from the same place cost ~40 ns. Storing: O(depth) hash and
// compare, a few probes.
// Bounds: at most kMaxStacks distinct stacks and kMaxStoredFrames pcs in all
// (~67 MiB of address space, touched only as used). The last kReserveStacks
// ids and kReserveFrames pcs are a reserve: once the rest is full, a new stack
// is stored truncated to its innermost kReserveDepth frames (enough to reach
// the user's frame that a report's site names), counted as `truncated`; once
// the reserve is full too, it is not stored, capture returns kNoStack and it
// is counted as `dropped`. The report sink warns once when either happens.
inline constexpr std::uint32_t kMaxStacks = 1u << 17;
inline constexpr std::uint32_t kMaxStoredFrames = 1u << 23;
inline constexpr std::uint32_t kReserveStacks = kMaxStacks / 8;
inline constexpr std::uint32_t kReserveDepth = 8;
inline constexpr std::uint32_t kReserveFrames = kReserveStacks * kReserveDepth;

struct stack_depot_stats {
  std::uint32_t stacks = 0;     // distinct stacks stored
  std::uint64_t frames = 0;     // pcs stored
  std::uint64_t truncated = 0;  // stacks stored with only their innermost frames (depot nearly full)
  std::uint64_t dropped = 0;    // captures not stored because the depot was full
};
stack_depot_stats get_stack_depot_stats() noexcept;

// Stores an explicit sequence of return addresses (innermost first; at most
// kMaxStackDepth are kept). Returns the existing id when the same sequence is
// already stored; kNoStack for an empty sequence or a full depot.
stack_id store_stack(const std::uintptr_t* pcs, std::size_t count) noexcept;

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

// A detector::site from a stack: its first frame that is neither internal nor
// a lock wrapper gives file/line/function (site_frames.hpp); `frames` holds
// every frame. An empty site for kNoStack. Symbolizing is done at report time
// only (symbolize.hpp: costs, caching, the `internal` rules).
detector::site make_site(stack_id id);

}  // namespace concheck::detail
