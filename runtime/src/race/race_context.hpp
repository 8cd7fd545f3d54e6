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
// synchronized. Memory: ~9.5 KiB plus its clocks (8 bytes per slot each).
#pragma once

#include <cstdint>

#include "race/vector_clock.hpp"

namespace concheck::race {

inline constexpr std::uint32_t kShadowStackDepth = 64;
inline constexpr std::uint32_t kHeldLocks = 16;
inline constexpr std::uint32_t kSiteCacheSets = 128;  // of two ways each
static_assert((kSiteCacheSets & (kSiteCacheSets - 1)) == 0, "the set is taken with a mask");
inline constexpr std::uint32_t kSiteMemoSets = 32;  // of two ways each
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
  // 256 entries: the stacks of `pipeline`'s queue operations (a few dozen
  // pcs each, under several stacks) overflowed 64 direct-mapped ones, and
  // every operation stored its stacks in the depot again (issue 12).
  site_cache_entry sites[kSiteCacheSets][2] = {};
  // In front of the site cache, a memo of the sites looked up since the
  // shadow stack last changed: func_entry and func_exit bump stack_gen, which
  // stales every entry at once, so a hit needs no token, only the pc
  // (site_of). A byte loop's accesses share one stack and a few pcs (a
  // vectorized loop: a dozen), so the memo is two-way set associative and
  // indexed by a multiplicative hash of the whole pc: direct-mapped and
  // indexed by two nibbles of the pc, a stage's read and write pcs in
  // `pipeline` shared an entry and every access of the loop missed (issue
  // 12: 16 M lookups past the memo in one repetition, 7.3 M of them at those
  // two pcs).
  std::uint64_t stack_gen = 1;
  site_memo_entry site_memo[kSiteMemoSets][2] = {};
  // Lookups past the memo, and those of them past the cache too (a depot
  // store): counted on those slow paths only, read by tests.
  std::uint64_t site_memo_misses = 0;
  std::uint64_t site_cache_misses = 0;
  // Stripe locks reset_range took for this thread to zero the shadow of
  // partly covered chunks (a freed heap block): one per 64-byte block with
  // touched granules, read by tests.
  std::uint64_t reset_stripe_locks = 0;

  // Fences: what relaxed loads read from since the last acquire fence, and
  // the clock at the last release fence (later relaxed stores release it).
  vector_clock pending_acquire;
  vector_clock release_fence;
  bool has_pending_acquire = false;
  bool has_release_fence = false;

  // Where this thread's inline item was in the read sets it updated last
  // (race_engine.cpp's read-shared path): entry k holds (set index << 2) |
  // position for a set whose index is k modulo kReadItemMemo, so that the
  // path goes from R to its own item's line without reading the set's
  // header (a third line per read). A hint only: the item's epoch word,
  // which names its slot, decides. 256 entries (2 KiB): with 64, about two
  // thirds of read_mostly's read-shared reads (its ~500 sets) missed and
  // read the header; with 256 a fifth (issue 12, race-rm21).
  static constexpr std::uint32_t kReadItemMemo = 256;
  std::uint64_t read_item_memo[kReadItemMemo] = {};
};

// Test counters of the engine's paths, per thread, read by tests. Kept out
// of thread_context on purpose: with these 24 bytes at its end (incremented
// or not) read_mostly ran 6 to 13% longer than main in interleaved batches,
// for no more instructions; without them, as main. Why is not known (not
// the application's heap moved by the main thread's larger context: 32
// bytes more malloc'd before read_mostly's map changed nothing;
// bench/race/README.md, race-pipe22).
struct engine_test_counters {
  // Granules of plain 16-byte accesses in a dense chunk (a vectorized
  // loop's) that the engine's one pass (race_engine.cpp, sixteen_access)
  // left to the full path: counted there only.
  std::uint64_t sixteen_full_path = 0;
  // Granules of plain or atomic accesses of more than one granule that the
  // engine's range loop took one at a time (not the bulk claim).
  std::uint64_t range_granules = 0;
  // Accesses that took the engine's slow path (the stripe lock).
  std::uint64_t slow_paths = 0;
};

extern __thread thread_context* tls_context __attribute__((tls_model("initial-exec")));
extern __thread engine_test_counters tls_test_counters __attribute__((tls_model("initial-exec")));

// The calling thread's context, made if needed; null before detection is
// on (enable()), after thread_exit or if it cannot be made (out of memory,
// all slots taken).
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
inline std::uint32_t site_memo_set(std::uintptr_t pc) noexcept {
  return static_cast<std::uint32_t>((pc * 0x9e3779b97f4a7c15ull) >> 59) % kSiteMemoSets;
}
// The memo's site for `pc` into `site` if it has one (no call: a caller
// with nothing else to call needs no stack frame).
inline bool memoized_site(const thread_context& self, std::uintptr_t pc, std::uint32_t& site) noexcept {
  const site_memo_entry* ways = self.site_memo[site_memo_set(pc)];
  if (__builtin_expect(ways[0].pc == pc && ways[0].stack_gen == self.stack_gen, 1)) {
    site = ways[0].site;
    return true;
  }
  if (ways[1].pc == pc && ways[1].stack_gen == self.stack_gen) {
    site = ways[1].site;
    return true;
  }
  return false;
}
inline std::uint32_t site_of(thread_context& self, std::uintptr_t pc) noexcept {
  std::uint32_t site = 0;
  return memoized_site(self, pc, site) ? site : current_site_slow(self, pc);
}

// Starts the thread's next epoch (after a release: its later accesses are
// not covered by what it released).
void advance_epoch(thread_context& context) noexcept;

// Contexts alive (statistics).
std::uint64_t contexts_alive() noexcept;

}  // namespace concheck::race
