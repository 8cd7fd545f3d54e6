// concheck runtime: instrumented accesses as explore mode's scheduling points.
// INTERNAL.
//
// In a controlled thread (explore_scheduler.hpp) every access hook calls
// explore_access() before the access, which may hand the turn to another
// thread first, so orderings of plain variables with no lock at all are
// explored and replayed. Which accesses become points is the option
// explore_access_points (docs/explore.md):
//   none     no access is a point (locks and the other events only)
//   atomics  atomic operations and fences
//   shared   atomics, and plain accesses to a granule this schedule has
//            already seen shared (touched by two threads): the default, so
//            thread-local data costs no steps
//   all      every instrumented access
// "Seen shared" is judged from the current schedule's shadow only, which
// each schedule starts reset (begin_explored_schedule): the same choices
// then make the same scheduling points, which a replay - later in the
// process, or in another one - depends on. (A granule's first access by a
// second thread is therefore not a point; its later ones are.) A race is
// found, and reported, in every schedule that has it: a replay reproduces it.
// Threads run one at a time under the scheduler, so every execution is
// sequentially consistent: behaviours only weaker orders allow (a relaxed
// load reading a stale value) are not explored; the happens-before analysis
// still judges each access by the order the program declared.
#pragma once

#include <cstdint>

#include "explore_scheduler.hpp"

namespace concheck::detail {

void explore_access_point(std::uintptr_t address, bool atomic) noexcept;

[[gnu::always_inline]] inline void explore_access(std::uintptr_t address, bool atomic) noexcept {
  if (__builtin_expect(explore::tls_controlled != nullptr, 0)) explore_access_point(address, atomic);
}

// Explore mode, before each schedule of a process that runs instrumented
// code: the shadow of every global forgets its accesses (the body's heap
// blocks were freed, and so reset, by the schedule that allocated them).
void begin_explored_schedule() noexcept;

}  // namespace concheck::detail
