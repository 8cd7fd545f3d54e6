// concheck detector: the identity of a finding, for "each distinct finding is
// reported once per process".
//
// finding_key() maps a finding to a string; two findings with the same key are
// the same problem and only the first is reported. The key deliberately ignores
// lock ids, thread ids, addresses, pids and the test name, and keys on *code
// locations* instead:
//  - lock-order-inversion: the set of (where the held lock was taken, where the
//    next lock was taken) pairs of the cycle's edges, sorted, so it does not
//    depend on which edge closed the cycle (rotation) or on which lock objects
//    were involved. The same code path run in a loop over fresh lock objects
//    (accounts[3]/audit, then accounts[5]/audit, ...) is one finding, not
//    thousands. An edge with no site falls back to its lock ids, so
//    site-less synthetic findings still tell distinct cycles apart.
//  - deadlock: the sorted set of the threads' waiting sites (falling back to
//    the cycle's edges, then to lock ids).
//  - data-race: kind + the sorted set of the access sites.
//  - destroy-locked, unlock-not-owned, use-after-destroy: kind + first site + the lock's identity
//    (its creation or first-seen site and address), so two locks misused at
//    one line are two findings while one lock misused repeatedly is one.
//  - every other kind: kind + its first site (sites[0]); a finding with no site
//    at all is keyed by kind + message.
// A site is identified by file:line:function when symbolized, else by
// module+offset of its first user frame (stable across runs, unlike a pc), else
// by pc. Pure function; thread-safe.
#pragma once

#include <string>

#include "concheck/detector/finding.hpp"

namespace concheck::detector {

std::string finding_key(const finding& finding);

}  // namespace concheck::detector
