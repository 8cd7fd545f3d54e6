// concheck runtime, race engine: the per-thread context. INTERNAL.
//
// Everything the engine knows about the calling thread, found through one
// initial-exec TLS pointer: its slot and current epoch (the hot path's only
// per-thread read), its vector clock, the locks it holds and their interned
// lockset, its shadow call stack and site cache, and the clocks that
// implement fences. Created on the thread's first engine call (or by
// thread_start) with malloc under inside_scope, freed by thread_exit; after
// that the thread's accesses are ignored (TLS destructors of an ending
// thread). Only the owning thread touches its context, so nothing here is
// synchronized. Memory: ~3.5 KiB plus its clocks (8 bytes per slot each).
#pragma once

#include <cstdint>

#include "race/vector_clock.hpp"

namespace concheck::race {

inline constexpr std::uint32_t kShadowStackDepth = 64;
inline constexpr std::uint32_t kHeldLocks = 16;
inline constexpr std::uint32_t kSiteCache = 64;
inline constexpr std::uint32_t kSiteMemo = 16;
inline constexpr std::uint32_t kLocksetCache = 16;

struct site_memo_entry {
  std::uintptr_t pc = 0;
  std::uint64_t stack_gen = 0;  // thread_context::stack_gen when stored
  std::uint32_t site = 0;
};

struct site_cache_entry {
  std::uintptr_t pc = 0;
  std::uint64_t stack_token = 0;
  std::uint32_t site = 0;
};

// A lock or unlock taken from lockset `from` with lock `lock` led to `to`.
struct lockset_transition {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::uint64_t lock = 0;
  bool added = false;
};

struct thread_context {
  std::uint64_t epoch = 0;  // make_epoch(slot, clock[slot]): the current epoch, mask bits 0
  std::uint32_t slot = 0;
  std::uint64_t thread_id = 0;
  vector_clock clock;

  // Locks held: the first kHeldLocks ids (more are counted and left out of
  // the lockset: fewer locks reported, never a wrong one).
  std::uint32_t lockset = 0;
  std::uint32_t held_count = 0;
  std::uint32_t held_overflow = 0;
  std::uint64_t held[kHeldLocks] = {};
  lockset_transition lockset_cache[kLocksetCache] = {};

  // Shadow call stack: call sites (caller pcs), outermost first. Each frame
  // pushed gets a token hashing the frames up to it (shadow_stack.cpp), so
  // the top token names the whole stack and the site cache needs no
  // comparison of frames. Deeper calls than kShadowStackDepth are counted,
  // not stored.
  std::uint32_t depth = 0;
  std::uint32_t overflow = 0;
  std::uintptr_t frames[kShadowStackDepth] = {};
  std::uint64_t tokens[kShadowStackDepth] = {};
  site_cache_entry sites[kSiteCache] = {};
  // In front of the site cache, a memo of the sites looked up since the
  // shadow stack last changed: func_entry and func_exit bump stack_gen, which
  // stales every entry at once, so a hit needs no token and no hash, only
  // the pc (site_of). A byte loop's accesses share one stack and a few pcs
  // (a vectorized loop: a dozen).
  std::uint64_t stack_gen = 1;
  site_memo_entry site_memo[kSiteMemo] = {};

  // Fences: what relaxed loads read from since the last acquire fence, and
  // the clock at the last release fence (later relaxed stores release it).
  vector_clock pending_acquire;
  vector_clock release_fence;
  bool has_pending_acquire = false;
  bool has_release_fence = false;
};

extern __thread thread_context* tls_context __attribute__((tls_model("initial-exec")));

// The calling thread's context, made if needed; null after thread_exit or if
// it cannot be made (out of memory, all slots taken).
thread_context* make_context() noexcept;
inline thread_context* current_context() noexcept {
  thread_context* context = tls_context;
  if (__builtin_expect(context != nullptr, 1)) return context;
  return make_context();
}

// current_site(pc) for the calling thread `self` (its context): the same
// id, from the memo when `pc` was looked up since the last call or return
// (issue 12: a byte loop looked up a site per byte).
std::uint32_t current_site_slow(thread_context& self, std::uintptr_t pc) noexcept;
inline std::uint32_t site_of(thread_context& self, std::uintptr_t pc) noexcept {
  const site_memo_entry& memo = self.site_memo[(pc ^ (pc >> 4)) % kSiteMemo];
  if (__builtin_expect(memo.pc == pc && memo.stack_gen == self.stack_gen, 1)) return memo.site;
  return current_site_slow(self, pc);
}

// Starts the thread's next epoch (after a release: its later accesses are
// not covered by what it released).
void advance_epoch(thread_context& context) noexcept;

// Contexts alive (statistics).
std::uint64_t contexts_alive() noexcept;

}  // namespace concheck::race
