// concheck runtime, race engine: thread slots (thread_slots.hpp).
#include "race/thread_slots.hpp"

#include <atomic>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "race/race_spin_lock.hpp"
#include "race/shadow_memory.hpp"

namespace concheck::race {
namespace {

constexpr std::uint32_t kHistory = 64;

struct lockset_change {
  std::atomic<std::uint64_t> clock{0};
  std::atomic<std::uint32_t> lockset{0};
};

// One cache line per slot: its owner writes history_next at every lock and
// unlock, and neighbouring slots belong to other threads (sharing a line,
// each thread's lock operations would invalidate the others' records).
struct alignas(64) slot_record {
  std::atomic<std::uint64_t> owner{0};
  std::atomic<std::uint64_t> owner_from{0};  // first clock of the current owner
  std::atomic<std::uint64_t> previous{0};
  std::uint64_t last_clock = 0;  // when free: the old owner's last clock (slot lock)
  std::uint32_t next_free = 0;   // free list link, slot + 1 (slot lock)
  std::atomic<lockset_change*> history{nullptr};
  std::uint32_t history_next = 0;  // owner only
};

slot_record g_slots[kMaxSlots];
spin_lock g_slot_lock;
std::uint32_t g_high_water = 0;      // slots ever handed out
std::uint32_t g_free_slot_head = 0;  // slot + 1, 0 = empty
std::atomic<std::uint32_t> g_live{0};
std::atomic<std::uint32_t> g_high_water_seen{0};

spin_lock g_final_lock;
std::unordered_map<std::uint64_t, vector_clock>* g_final = nullptr;  // never destroyed (used at exit)
std::unordered_set<std::uint64_t>* g_detached = nullptr;

// A free slot `start` has seen the end of (unlinked from the free list), or
// kNoSlot. Scans at most kReuseScan entries: the list's order is the order
// slots were freed, most recent first, so a joined thread's slot is found early.
constexpr std::uint32_t kNoSlot = ~0u;
constexpr std::uint32_t kReuseScan = 256;
std::uint32_t take_free_slot_ordered_before(const vector_clock& start) noexcept {
  std::uint32_t* link = &g_free_slot_head;
  for (std::uint32_t scanned = 0; *link != 0 && scanned < kReuseScan; ++scanned) {
    const std::uint32_t slot = *link - 1;
    if (start.get(slot) >= g_slots[slot].last_clock) {
      *link = g_slots[slot].next_free;
      return slot;
    }
    link = &g_slots[slot].next_free;
  }
  return kNoSlot;
}

}  // namespace

slot_claim claim_slot(std::uint64_t thread_id, const vector_clock* start) noexcept {
  slot_claim claim;
  {
    spin_guard guard(g_slot_lock);
    const std::uint32_t ordered = start == nullptr ? kNoSlot : take_free_slot_ordered_before(*start);
    if (ordered != kNoSlot) {
      claim.slot = ordered;
      claim.first_clock = g_slots[claim.slot].last_clock + 1;
    } else if (g_high_water < kMaxSlots) {
      claim.slot = g_high_water++;
      claim.first_clock = 1;
      g_high_water_seen.store(g_high_water, std::memory_order_relaxed);
    } else if (g_free_slot_head != 0) {  // out of slots: reuse one anyway (imprecise)
      claim.slot = g_free_slot_head - 1;
      g_free_slot_head = g_slots[claim.slot].next_free;
      claim.first_clock = g_slots[claim.slot].last_clock + 1;
    } else {
      return claim;
    }
  }
  slot_record& record = g_slots[claim.slot];
  record.previous.store(record.owner.load(std::memory_order_relaxed), std::memory_order_relaxed);
  record.owner_from.store(claim.first_clock, std::memory_order_relaxed);
  record.owner.store(thread_id, std::memory_order_relaxed);
  if (record.history.load(std::memory_order_relaxed) == nullptr) {
    void* memory = std::calloc(kHistory, sizeof(lockset_change));
    record.history.store(static_cast<lockset_change*>(memory), std::memory_order_release);
  }
  g_live.fetch_add(1, std::memory_order_relaxed);
  note_slot_lockset(claim.slot, claim.first_clock, 0);
  claim.ok = true;
  return claim;
}

void release_slot(std::uint32_t slot, std::uint64_t last_clock) noexcept {
  spin_guard guard(g_slot_lock);
  g_slots[slot].last_clock = last_clock;
  g_slots[slot].next_free = g_free_slot_head;
  g_free_slot_head = slot + 1;
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

void rename_slot_owner(std::uint32_t slot, std::uint64_t thread_id) noexcept {
  g_slots[slot].owner.store(thread_id, std::memory_order_relaxed);
}

std::uint64_t slot_thread(std::uint32_t slot, std::uint64_t clock) noexcept {
  if (slot >= kMaxSlots) return 0;
  const slot_record& record = g_slots[slot];
  if (clock >= record.owner_from.load(std::memory_order_relaxed))
    return record.owner.load(std::memory_order_relaxed);
  return record.previous.load(std::memory_order_relaxed);
}

void note_slot_lockset(std::uint32_t slot, std::uint64_t clock, std::uint32_t lockset) noexcept {
  slot_record& record = g_slots[slot];
  lockset_change* history = record.history.load(std::memory_order_relaxed);
  if (history == nullptr) return;
  lockset_change& change = history[record.history_next++ % kHistory];
  change.lockset.store(lockset, std::memory_order_relaxed);
  change.clock.store(clock, std::memory_order_release);
}

std::uint32_t slot_lockset(std::uint32_t slot, std::uint64_t clock) noexcept {
  if (slot >= kMaxSlots) return 0;
  const lockset_change* history = g_slots[slot].history.load(std::memory_order_acquire);
  if (history == nullptr) return 0;
  std::uint64_t best_clock = 0;
  std::uint32_t best = 0;
  for (std::uint32_t i = 0; i < kHistory; ++i) {
    const std::uint64_t from = history[i].clock.load(std::memory_order_acquire);
    if (from != 0 && from <= clock && from >= best_clock) {
      best_clock = from;
      best = history[i].lockset.load(std::memory_order_relaxed);
    }
  }
  return best;
}

slot_stats get_slot_stats() noexcept {
  return {g_live.load(std::memory_order_relaxed), g_high_water_seen.load(std::memory_order_relaxed)};
}

void keep_final_clock(std::uint64_t thread_id, vector_clock&& clock) noexcept {
  spin_guard guard(g_final_lock);
  if (g_detached != nullptr && g_detached->erase(thread_id) != 0) return;
  if (g_final == nullptr) g_final = new (std::nothrow) std::unordered_map<std::uint64_t, vector_clock>();
  if (g_final == nullptr) return;
  try {
    (*g_final)[thread_id] = std::move(clock);
  } catch (...) {
    // out of memory: the joiner will not see this thread's accesses as ordered
  }
}

bool take_final_clock(std::uint64_t thread_id, vector_clock& out) noexcept {
  spin_guard guard(g_final_lock);
  if (g_final == nullptr) return false;
  auto found = g_final->find(thread_id);
  if (found == g_final->end()) return false;
  out = std::move(found->second);
  g_final->erase(found);
  return true;
}

void forget_final_clock(std::uint64_t thread_id) noexcept {
  spin_guard guard(g_final_lock);
  if (g_final != nullptr && g_final->erase(thread_id) != 0) return;
  if (g_detached == nullptr) g_detached = new (std::nothrow) std::unordered_set<std::uint64_t>();
  if (g_detached == nullptr) return;
  try {
    g_detached->insert(thread_id);
  } catch (...) {
  }
}

void thread_slots_after_fork() noexcept {
  g_slot_lock.reset_after_fork();
  g_final_lock.reset_after_fork();
}

std::uint64_t final_clocks_kept() noexcept {
  spin_guard guard(g_final_lock);
  return g_final == nullptr ? 0 : g_final->size();
}

}  // namespace concheck::race
