// concheck runtime: which frame of a symbolized stack a site points at.
//
// A site (detector::site) names one frame: the SUMMARY line, the "acquired
// at" of a report, a GoogleTest failure's file:line and the finding's key
// (detector::finding_key) all use it. It is the first frame, innermost first,
// that is neither internal (inside concheck or the standard library, see
// symbolize.hpp) nor part of a lock wrapper, so that locks taken through a
// user's own lock class are reported where the user's code took them and not
// at the one line inside the wrapper that every lock goes through.
//
// The wrapper rule (docs/reading-reports.md "Lock wrappers"). A frame is a
// lock wrapper when its function is
//  1. named like a lock operation: its own name (the last part of its
//     qualified name) is one of lock, unlock, try_lock, try_lock_for,
//     try_lock_until, lock_shared, unlock_shared, try_lock_shared(_for,
//     _until), Lock, Unlock, TryLock, ReaderLock, ReaderUnlock, ReaderTryLock,
//     WriterLock, WriterUnlock, WriterTryLock, ReadLock, ReadUnlock, WriteLock,
//     WriteUnlock, LockShared, UnlockShared, TryLockShared, or acquire,
//     release, Acquire, Release on a class whose name contains "lock" or
//     "mutex" in any case (`base::Lock::Acquire`, not `Pool::release`): the
//     members of a
//     lockable class (`Mutex::lock`), or a function that does nothing but lock;
//  2. a constructor or destructor that calls a lock operation directly: the
//     frame it called (the next one inward) is a lock wrapper, a function
//     named as in 1 (`std::mutex::lock`), a user's frame that is a wrapper by
//     1 or 3, or a pthread lock function (a standard guard such as
//     std::lock_guard does not count: a constructor using one merely locks
//     for a while). That is
//     a guard (`MutexLock l(&mu)`, `std::lock_guard` over a wrapper, which is
//     internal anyway);
//  3. matched by one of the user's patterns (option `wrapper_functions`,
//     comma-separated globs where `*` matches any run, compared with the
//     function's qualified name and each tail of it that starts at a part:
//     `Spinlock*Grab` matches `base::Spinlock::Grab`), for wrappers
//     named otherwise (`Spinlock::Grab`, `take(Mutex&)`).
// A helper that a wrapper calls on its way to the lock call is not recognized
// unless named in `wrapper_functions`. When every non-internal frame is a
// wrapper (a stack cut short), the site falls back to the first non-internal
// frame, then to the innermost frame.
// Cost: string comparisons over the frames, at report time only; nothing here
// runs on the lock hot path. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detail {

// True when frames[index] is a lock wrapper by the rule above; `patterns` is
// the value of the `wrapper_functions` option ("" for none).
bool is_wrapper_frame(const std::vector<detector::frame>& frames, std::size_t index,
                      std::string_view patterns);

// The frame a site made of `frames` points at (see above); nullptr when
// `frames` is empty.
const detector::frame* site_frame(const std::vector<detector::frame>& frames, std::string_view patterns);

// Sets site.function/file/line from site_frame(site.frames) with the process's
// `wrapper_functions` option; leaves the site alone when it has no frames.
void locate_site(detector::site& site);

// "" or what is wrong with a `wrapper_functions` value (an empty pattern).
std::string validate_wrapper_patterns(std::string_view patterns);

}  // namespace concheck::detail
