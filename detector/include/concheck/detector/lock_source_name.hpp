// concheck detector: naming an unnamed lock after the source text that locks it.
//
// A std::mutex has no name, but the line that first locked it says what the
// program calls it: `std::lock_guard<std::mutex> g(cache.mu_);` locks
// `cache.mu_`. Reports use that text (docs/reading-reports.md, "Names").
// Pure functions over one line of text (the caller reads the file, at report
// time only); a small hand-written scanner, not a C++ parser: it recognises
//  - guards: lock_guard / unique_lock / shared_lock (first argument) and
//    scoped_lock (every argument), declared with () or {}, with or without
//    template arguments; a guard given std::adopt_lock / std::defer_lock does
//    not lock there and is skipped;
//  - std::lock(a, b, ...) and std::try_lock(a, b, ...);
//  - member calls m.lock(), p->lock_shared(), m.try_lock_for(...) and the
//    other lock members: the object expression before the dot;
//  - pthread_mutex_*lock(&mu) and pthread_rwlock_*lock(&rw): the argument
//    without its `&`.
// Anything else (a macro, a lock split over lines, an expression longer than
// 48 characters) gives no name, and the report falls back to type and id.
// Cost: linear in the line's length.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detector {

// One locking construct on a line: the lock expressions it locks, in order.
struct lock_call {
  std::vector<std::string> locks;
  bool member_call = false;  // `x.lock()`: `x` may be a guard object rather than the lock
};

// Every locking construct of `line` (a `//` comment is ignored), left to right.
std::vector<lock_call> lock_calls_in_line(std::string_view line);

// The expression that locked the lock first seen at `first_locked` (whose
// first user frame is on `line`), or "" when the line does not say it
// unambiguously. One lock on the line: that one. One call locking several
// (std::scoped_lock l(a, b), std::lock(a, b)): libstdc++ locks the first
// argument with lock() and tries the others, so a lock first seen inside a
// try_lock is the second of two, and otherwise the first. Several
// constructs on one line: "" (a line number cannot tell them apart). A member
// `.lock()` reached through std::unique_lock/shared_lock's own lock() names
// the guard, not the mutex: "".
std::string lock_expression(std::string_view line, const site& first_locked);

}  // namespace concheck::detector
