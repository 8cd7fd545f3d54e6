// The stack depot: capture with libgcc's unwinder, store each distinct stack
// once, lock-free. See stack_depot.hpp for the algorithm, bounds and drop policy.
#include "stack_depot.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unwind.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "options.hpp"

namespace concheck::detail {
namespace {

constexpr std::uint32_t kSlots = kMaxStacks * 2;  // load factor <= 0.5 keeps probes short
static_assert((kSlots & (kSlots - 1)) == 0, "slot count must be a power of two");

struct stack_entry {
  std::uint64_t hash;
  std::uint32_t first;  // index of the first pc in the frame array
  std::uint32_t size;
};

// One mmap'd region: slots, then entries, then frames. MAP_NORESERVE and lazy
// page faults mean only what is used becomes resident.
struct depot_region {
  std::atomic<std::uint32_t>* slots;
  stack_entry* entries;
  std::uintptr_t* frames;
};

constexpr std::size_t kSlotBytes = sizeof(std::atomic<std::uint32_t>) * kSlots;
constexpr std::size_t kEntryBytes = sizeof(stack_entry) * kMaxStacks;
constexpr std::size_t kFrameBytes = sizeof(std::uintptr_t) * kMaxStoredFrames;
constexpr std::size_t kRegionBytes = kSlotBytes + kEntryBytes + kFrameBytes;

std::atomic<unsigned char*> g_region{nullptr};
std::atomic<std::uint32_t> g_next_id{1};  // 0 is kNoStack
std::atomic<std::uint64_t> g_next_frame{0};
std::atomic<std::uint64_t> g_dropped{0};
std::atomic<std::uint64_t> g_truncated{0};
std::atomic<bool> g_region_failed{false};

// Maps the region on first use. Racing threads each map one; the CAS loser
// unmaps its own, so no lock is needed.
unsigned char* region_base() noexcept {
  unsigned char* base = g_region.load(std::memory_order_acquire);
  if (base != nullptr || g_region_failed.load(std::memory_order_relaxed)) return base;
  void* mapped = ::mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapped == MAP_FAILED) {
    g_region_failed.store(true, std::memory_order_relaxed);
    return nullptr;
  }
  auto* mine = static_cast<unsigned char*>(mapped);
  if (g_region.compare_exchange_strong(base, mine, std::memory_order_acq_rel)) return mine;
  ::munmap(mapped, kRegionBytes);
  return base;
}

depot_region region_of(unsigned char* base) noexcept {
  // The region holds objects of three types at fixed, suitably aligned offsets;
  // mmap'd memory is zeroed, which is a valid state for each.
  return {reinterpret_cast<std::atomic<std::uint32_t>*>(base),
          reinterpret_cast<stack_entry*>(base + kSlotBytes),
          reinterpret_cast<std::uintptr_t*>(base + kSlotBytes + kEntryBytes)};
}

std::uint64_t hash_pcs(const std::uintptr_t* pcs, std::size_t count) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ count;
  for (std::size_t i = 0; i < count; ++i) {
    h ^= pcs[i];
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  return h;
}

bool same_stack(const depot_region& r, std::uint32_t id, std::uint64_t hash, const std::uintptr_t* pcs,
                std::size_t count) noexcept {
  const stack_entry& e = r.entries[id];
  return e.hash == hash && e.size == count &&
         std::memcmp(r.frames + e.first, pcs, count * sizeof(std::uintptr_t)) == 0;
}

// Allocates and fills an unpublished entry; 0 when the depot is full up to
// the limits (the whole depot with `use_reserve`, else all but the reserve).
std::uint32_t write_entry(const depot_region& r, std::uint64_t hash, const std::uintptr_t* pcs,
                          std::size_t count, bool use_reserve) noexcept {
  const std::uint32_t max_id = use_reserve ? kMaxStacks : kMaxStacks - kReserveStacks;
  const std::uint64_t max_frame = use_reserve ? kMaxStoredFrames : kMaxStoredFrames - kReserveFrames;
  if (g_next_id.load(std::memory_order_relaxed) >= max_id ||
      g_next_frame.load(std::memory_order_relaxed) + count > max_frame) {
    return 0;
  }
  const std::uint32_t id = g_next_id.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t first = g_next_frame.fetch_add(count, std::memory_order_relaxed);
  // A racing writer can take ids and frames past the soft limit into the
  // reserve: harmless, the reserve is what bounds memory.
  if (id >= kMaxStacks || first + count > kMaxStoredFrames) return 0;
  std::memcpy(r.frames + first, pcs, count * sizeof(std::uintptr_t));
  r.entries[id] = stack_entry{hash, static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(count)};
  return id;
}

struct unwind_state {
  std::uintptr_t* pcs;
  std::uintptr_t* slots;  // where each pc sits on the stack; may be null
  int skip;
  int count;
  int max;
};

// The unwinder's context k holds return address k, which the call stored just
// below that context's CFA (x86-64: at CFA - 8).
_Unwind_Reason_Code collect_frame(_Unwind_Context* context, void* arg) {
  auto* state = static_cast<unwind_state*>(arg);
  if (state->skip > 0) {
    --state->skip;
    return _URC_NO_REASON;
  }
  if (state->count >= state->max) return _URC_END_OF_STACK;
  const _Unwind_Ptr ip = _Unwind_GetIP(context);
  if (ip == 0) return _URC_END_OF_STACK;
  if (state->slots != nullptr) {
    state->slots[state->count] =
        static_cast<std::uintptr_t>(_Unwind_GetCFA(context)) - sizeof(std::uintptr_t);
  }
  state->pcs[state->count++] = static_cast<std::uintptr_t>(ip);
  return _URC_NO_REASON;
}

#if defined(__x86_64__)
// A per-thread cache of recent captures, so that capturing again from the same
// place costs tens of nanoseconds instead of a full unwind (~1-8 us here).
// Validation, not trust: on x86-64 each return address sits at a known place
// on the stack (its unwind context's CFA - 8), so the unwind records where it
// found each one. A later capture by the same thread with the same
// capture_stack frame address, caller and request reads those slots again;
// only if every slot still holds the same return address (the same call sites
// at the same stack positions, hence the same stack) is the cached id reused.
// Any difference (or a signal frame) falls back to the full unwind. The slots
// lie between this frame and the top of this thread's stack, so they are
// always mapped. Thread-local: no sharing, no lock.
constexpr int kCachedDepth = 64;  // deeper requests always unwind (bounded TLS: ~2 KiB per thread)
constexpr int kCacheEntries = 2;  // e.g. two alternating lock sites in a loop

struct cached_capture {
  std::uintptr_t frame;   // capture_stack's frame address; 0 = empty entry
  std::uintptr_t caller;  // capture_stack's return address
  int skip;
  int depth;
  int count;
  stack_id id;
  std::uintptr_t slots[kCachedDepth];
  std::uintptr_t pcs[kCachedDepth];
};

thread_local cached_capture t_captures[kCacheEntries];
thread_local unsigned t_next_victim;

bool still_valid(const cached_capture& c) noexcept {
  for (int i = 0; i < c.count; ++i) {
    std::uintptr_t now;
    std::memcpy(&now, reinterpret_cast<const void*>(c.slots[i]), sizeof now);
    if (now != c.pcs[i]) return false;
  }
  return true;
}

// Shared by all threads, for the captures a new thread makes: a thread's
// cache starts empty, but glibc gives a new thread a stack it cached from an
// ended one, so the same code (explore's body thread creating its threads and
// joining them, schedule after schedule) captures from the same stack
// positions with the same return addresses in the same slots. The same
// validation applies, and it only reads slots that lie between this frame
// and the calling thread's descriptor (pthread_self()), which glibc places at
// the top of the thread's own stack mapping, above its stack: mapped memory
// of this thread. In the main thread the descriptor is not above the stack,
// so nothing is read there. A try-lock guards it: a thread (or a signal
// handler) that finds it busy unwinds as if it missed. Cost: a full unwind
// is ~6 us here (concheck_bench_stack_cost), a hit a few hundred ns.
constexpr int kSharedEntries = 8;
cached_capture g_shared_captures[kSharedEntries];
unsigned g_shared_victim = 0;
std::atomic<bool> g_shared_busy{false};

bool on_own_stack(const cached_capture& c, std::uintptr_t frame) noexcept {
  const auto top = reinterpret_cast<std::uintptr_t>(::pthread_self());
  if (top <= frame) return false;
  for (int i = 0; i < c.count; ++i) {
    if (c.slots[i] < frame || c.slots[i] > top - sizeof(std::uintptr_t)) return false;
  }
  return true;
}

// A copy of the shared entry for this request into `out`, if one is valid here.
bool shared_lookup(std::uintptr_t frame, std::uintptr_t caller, int skip, int depth,
                   cached_capture& out) noexcept {
  if (g_shared_busy.exchange(true, std::memory_order_acquire)) return false;
  bool found = false;
  for (const cached_capture& c : g_shared_captures) {
    if (c.frame == frame && c.caller == caller && c.skip == skip && c.depth == depth &&
        on_own_stack(c, frame) && still_valid(c)) {
      out = c;
      found = true;
      break;
    }
  }
  g_shared_busy.store(false, std::memory_order_release);
  return found;
}

void shared_store(const cached_capture& entry) noexcept {
  if (!on_own_stack(entry, entry.frame)) return;  // the main thread's, or not this stack's
  if (g_shared_busy.exchange(true, std::memory_order_acquire)) return;
  g_shared_captures[g_shared_victim++ % kSharedEntries] = entry;
  g_shared_busy.store(false, std::memory_order_release);
}

// Puts `entry` in the calling thread's cache.
void remember_locally(const cached_capture& entry) noexcept {
  cached_capture& c = t_captures[t_next_victim++ % kCacheEntries];
  c.frame = 0;  // invalid while being rewritten (a signal handler could capture meanwhile)
  std::atomic_signal_fence(std::memory_order_seq_cst);
  c.caller = entry.caller;
  c.skip = entry.skip;
  c.depth = entry.depth;
  c.count = entry.count;
  c.id = entry.id;
  std::memcpy(c.slots, entry.slots, sizeof(std::uintptr_t) * static_cast<std::size_t>(entry.count));
  std::memcpy(c.pcs, entry.pcs, sizeof(std::uintptr_t) * static_cast<std::size_t>(entry.count));
  std::atomic_signal_fence(std::memory_order_seq_cst);
  c.frame = entry.frame;
}
#endif

}  // namespace

namespace {

// Finds or stores `pcs`; kNoStack if it is not stored and there is no room.
stack_id find_or_store(unsigned char* base, const std::uintptr_t* pcs, std::size_t count,
                       bool use_reserve) noexcept {
  const depot_region r = region_of(base);
  const std::uint64_t hash = hash_pcs(pcs, count);
  std::uint32_t mine = 0;  // our written but unpublished entry, if any
  std::uint32_t slot = static_cast<std::uint32_t>(hash) & (kSlots - 1);
  for (std::uint32_t probes = 0; probes < kSlots; ++probes, slot = (slot + 1) & (kSlots - 1)) {
    std::uint32_t id = r.slots[slot].load(std::memory_order_acquire);
    if (id == 0) {
      if (mine == 0) mine = write_entry(r, hash, pcs, count, use_reserve);
      if (mine == 0) break;
      if (r.slots[slot].compare_exchange_strong(id, mine, std::memory_order_release,
                                                std::memory_order_acquire)) {
        return mine;
      }
      // Lost the race for this slot: `id` is the winner; it may be our stack.
    }
    // An entry that loses a race to an equal stack stays unpublished (a few
    // wasted bytes, bounded by the number of racing threads).
    if (same_stack(r, id, hash, pcs, count)) return id;
  }
  return kNoStack;
}

}  // namespace

stack_id store_stack(const std::uintptr_t* pcs, std::size_t count) noexcept {
  count = std::min<std::size_t>(count, static_cast<std::size_t>(kMaxStackDepth));
  if (pcs == nullptr || count == 0) return kNoStack;
  unsigned char* base = region_base();
  if (base == nullptr) {
    g_dropped.fetch_add(1, std::memory_order_relaxed);
    return kNoStack;
  }
  if (const stack_id id = find_or_store(base, pcs, count, false)) return id;
  // The depot is full but for its reserve: keep the innermost frames.
  const std::size_t kept = std::min<std::size_t>(count, kReserveDepth);
  if (const stack_id id = find_or_store(base, pcs, kept, true)) {
    if (kept < count) g_truncated.fetch_add(1, std::memory_order_relaxed);
    return id;
  }
  g_dropped.fetch_add(1, std::memory_order_relaxed);
  return kNoStack;
}

[[gnu::noinline]] stack_id capture_stack(int skip) noexcept {
  const int depth = std::min(get_options().stack_depth, kMaxStackDepth);
  if (depth <= 0) return kNoStack;
  skip = std::max(skip, 0);
  std::uintptr_t pcs[kMaxStackDepth];
#if defined(__x86_64__)
  const auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const auto caller = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  if (depth <= kCachedDepth) {
    for (const cached_capture& c : t_captures) {
      if (c.frame == frame && c.caller == caller && c.skip == skip && c.depth == depth && still_valid(c)) {
        return c.id;
      }
    }
    cached_capture shared;
    if (shared_lookup(frame, caller, skip, depth, shared)) {
      remember_locally(shared);
      return shared.id;
    }
  }
  std::uintptr_t slots[kMaxStackDepth];
  unwind_state state{pcs, slots, 1 + skip, 0, depth};
#else
  unwind_state state{pcs, nullptr, 1 + skip, 0, depth};
#endif
  // 1 + skip: the first frame the unwinder reports is capture_stack itself.
  _Unwind_Backtrace(collect_frame, &state);
  const stack_id id = store_stack(pcs, static_cast<std::size_t>(state.count));
#if defined(__x86_64__)
  if (id != kNoStack && depth <= kCachedDepth) {
    cached_capture entry;
    entry.frame = frame;
    entry.caller = caller;
    entry.skip = skip;
    entry.depth = depth;
    entry.count = state.count;
    entry.id = id;
    std::memcpy(entry.slots, slots, sizeof(std::uintptr_t) * static_cast<std::size_t>(state.count));
    std::memcpy(entry.pcs, pcs, sizeof(std::uintptr_t) * static_cast<std::size_t>(state.count));
    remember_locally(entry);
    shared_store(entry);
  }
#endif
  return id;
}

stack_id stack_from_pc(std::uintptr_t pc) noexcept {
  return store_stack(&pc, pc == 0 ? 0 : 1);
}

std::vector<std::uintptr_t> stack_pcs(stack_id id) {
  unsigned char* base = g_region.load(std::memory_order_acquire);
  if (id == kNoStack || base == nullptr ||
      id >= std::min(g_next_id.load(std::memory_order_acquire), kMaxStacks)) {
    return {};
  }
  const depot_region r = region_of(base);
  const stack_entry& e = r.entries[id];
  return std::vector<std::uintptr_t>(r.frames + e.first, r.frames + e.first + e.size);
}

stack_depot_stats get_stack_depot_stats() noexcept {
  stack_depot_stats stats;
  stats.stacks = std::min(g_next_id.load(std::memory_order_relaxed), kMaxStacks) - 1;
  stats.frames = std::min<std::uint64_t>(g_next_frame.load(std::memory_order_relaxed), kMaxStoredFrames);
  stats.dropped = g_dropped.load(std::memory_order_relaxed);
  stats.truncated = g_truncated.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace concheck::detail
