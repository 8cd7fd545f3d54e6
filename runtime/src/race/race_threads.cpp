// concheck runtime, race engine: thread contexts (race_context.hpp), thread
// create/start/exit/join hand-offs and the locks each thread holds.
#include <atomic>
#include <cstdlib>
#include <new>

#include "race/lockset_table.hpp"
#include "race/race_context.hpp"
#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"
#include "race/thread_slots.hpp"
#include "thread_registry.hpp"

namespace concheck::race {

__thread thread_context* tls_context __attribute__((tls_model("initial-exec"))) = nullptr;
__thread engine_test_counters tls_test_counters __attribute__((tls_model("initial-exec")));

namespace {

__thread bool tls_ended __attribute__((tls_model("initial-exec"))) = false;
std::atomic<std::uint64_t> g_contexts{0};

std::uint64_t registry_thread_id() noexcept {
  detail::thread_record* record = detail::current_thread();
  return record == nullptr ? 0 : record->state.id();
}

// A context for the calling thread with a fresh slot, its clock entry at the
// slot's first value. Caller under inside_scope.
thread_context* create_context(std::uint64_t thread_id, const vector_clock* start) noexcept {
  void* memory = std::malloc(sizeof(thread_context));
  if (memory == nullptr) return nullptr;
  const slot_claim claim = claim_slot(thread_id, start);
  if (!claim.ok) {
    std::free(memory);
    return nullptr;
  }
  auto* context = new (memory) thread_context();
  context->slot = claim.slot;
  context->thread_id = thread_id;
  context->clock.set(claim.slot, claim.first_clock);
  context->epoch = make_epoch(claim.slot, claim.first_clock);
  g_contexts.fetch_add(1, std::memory_order_relaxed);
  tls_context = context;
  return context;
}

}  // namespace

// Only once detection is on (it never goes off): the read hooks' rest
// (tsan_hooks_access.cpp) takes a context for a sign that it is on.
thread_context* make_context() noexcept {
  if (tls_ended || !enabled()) return nullptr;
  detail::inside_scope inside;
  const std::uint64_t id = registry_thread_id();
  if (tls_context != nullptr) return tls_context;  // made while adopting the thread
  return create_context(id, nullptr);
}

void advance_epoch(thread_context& context) noexcept {
  const std::uint64_t next = context.clock.get(context.slot) + 1;
  context.clock.set(context.slot, next);
  context.epoch = make_epoch(context.slot, next);
}

std::uint64_t contexts_alive() noexcept {
  return g_contexts.load(std::memory_order_relaxed);
}

// ---- Threads ----------------------------------------------------------------

thread_token thread_create() noexcept {
  if (!enabled()) return nullptr;
  thread_context* self = current_context();
  if (self == nullptr) return nullptr;
  detail::inside_scope inside;
  void* memory = std::malloc(sizeof(vector_clock));
  if (memory == nullptr) return nullptr;
  auto* token = new (memory) vector_clock();
  token->assign(self->clock);
  advance_epoch(*self);
  return token;
}

void thread_start(thread_token token, std::uint64_t thread_id) noexcept {
  auto* inherited = static_cast<vector_clock*>(token);
  detail::inside_scope inside;
  thread_context* self = nullptr;
  if (enabled() && !tls_ended) {
    self = tls_context;
    if (self == nullptr) {
      self = create_context(thread_id, inherited);
    } else if (self->thread_id != thread_id) {
      self->thread_id = thread_id;
      rename_slot_owner(self->slot, thread_id);
    }
  }
  if (inherited != nullptr) {
    if (self != nullptr) self->clock.join(*inherited);
    inherited->~vector_clock();
    std::free(inherited);
  }
}

void thread_exit() noexcept {
  thread_context* self = tls_context;
  tls_ended = true;
  if (self == nullptr) return;
  detail::inside_scope inside;
  tls_context = nullptr;
  const std::uint64_t last = self->clock.get(self->slot);
  if (enabled()) keep_final_clock(self->thread_id, std::move(self->clock));
  release_slot(self->slot, last);
  self->~thread_context();
  std::free(self);
  g_contexts.fetch_sub(1, std::memory_order_relaxed);
}

void thread_join(std::uint64_t thread_id) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  detail::inside_scope inside;
  vector_clock final_clock;
  if (!take_final_clock(thread_id, final_clock)) return;
  if (self != nullptr) self->clock.join(final_clock);
}

void thread_detached(std::uint64_t thread_id) noexcept {
  detail::inside_scope inside;
  forget_final_clock(thread_id);
}

// ---- Locks held -------------------------------------------------------------

namespace {

// The lockset after adding or removing `lock` (already done on `held`),
// through the thread's cache: with a lock that is held twice (recursive)
// excepted, (lockset, lock, added) determines the next lockset.
std::uint32_t next_lockset(thread_context& self, std::uint64_t lock, bool added) noexcept {
  std::uint32_t copies = 0;
  for (std::uint32_t i = 0; i < self.held_count; ++i) copies += self.held[i] == lock ? 1 : 0;
  if (copies != (added ? 1u : 0u)) return self.lockset;  // a recursive lock: the set is unchanged
  lockset_transition& cached = self.lockset_cache[(lock ^ (lock >> 7) ^ self.lockset * 31u) % kLocksetCache];
  if (cached.from == self.lockset && cached.lock == lock && cached.added == added) return cached.to;
  const std::uint32_t to = intern_lockset(self.held, self.held_count);
  cached = {self.lockset, to, lock, added};
  return to;
}

void lockset_changed(thread_context& self, std::uint64_t lock, bool added) noexcept {
  // A new epoch per lockset: an epoch then names one lockset (reports look
  // the earlier access's locks up by epoch) and the per-location record,
  // updated once per granule per epoch, sees every lockset the thread used.
  advance_epoch(self);
  self.lockset = next_lockset(self, lock, added);
  note_slot_lockset(self.slot, self.clock.get(self.slot), self.lockset);
}

}  // namespace

void lock_acquired(std::uint64_t lock_id) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  if (self->held_count == kHeldLocks) {
    ++self->held_overflow;
    return;
  }
  self->held[self->held_count++] = lock_id;
  lockset_changed(*self, lock_id, true);
}

void lock_released(std::uint64_t lock_id) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  for (std::uint32_t i = self->held_count; i-- > 0;) {
    if (self->held[i] == lock_id) {
      for (std::uint32_t j = i + 1; j < self->held_count; ++j) self->held[j - 1] = self->held[j];
      --self->held_count;
      lockset_changed(*self, lock_id, false);
      return;
    }
  }
  if (self->held_overflow != 0) --self->held_overflow;  // one of the uncounted ones
}

}  // namespace concheck::race
