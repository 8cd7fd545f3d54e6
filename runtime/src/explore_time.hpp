// concheck runtime: explore mode's virtual clock seen from the interposed
// timed waits. INTERNAL. (The clock itself: explore_scheduler.hpp now_ns();
// the interposed clocks and sleeps: interpose_time.cpp.)
#pragma once

#include <time.h>

#include <cstdint>

#include "explore_scheduler.hpp"

namespace concheck::detail::explore {

// The virtual time (explore_scheduler.hpp now_ns) of an absolute deadline
// on `clock` that a controlled thread computed from clock_gettime (which
// reads the virtual clock there).
std::int64_t virtual_deadline(clockid_t clock, const timespec& absolute) noexcept;

// The lock-id key the scheduler blocks acquisitions on (block_on / wake_all):
// lock ids are small integers, never valid addresses.
inline const void* lock_key(std::uint64_t lock_id) noexcept {
  return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(lock_id) | (std::uintptr_t{1} << 62));
}

}  // namespace concheck::detail::explore
