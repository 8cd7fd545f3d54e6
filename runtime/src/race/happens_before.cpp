// concheck runtime, race engine: synchronization (race_runtime.hpp's
// acquire, release, fences and atomics' orders) over the sync clocks.
//
// Atomics, by memory order (the hooks call the store side before the
// operation and the load side after it, so a release is recorded before any
// thread can read the value it publishes, and an acquire after):
//   load/RMW, acquire or stronger    acquire
//   load/RMW, relaxed                the object's clock is kept in the
//                                    thread's pending-acquire clock; the next
//                                    acquire fence joins it
//   store/RMW, release or stronger   release_merge, then a new epoch
//   store/RMW, relaxed               after a release fence: release_merge of
//                                    the fence's clock; else nothing (an RMW
//                                    continues the release sequence, whose
//                                    clock the object keeps)
// A release store merges where C++ would start a new release sequence
// (replace): the store and the engine's update are not one atomic step, so
// two release stores could leave the clock of the one whose value was
// overwritten; merging can only add orders (a race missed after a relaxed
// store broke a sequence), never report a false one.
// seq_cst fences are also ordered among themselves (an acquire and a release
// of one global object): more order than C++ promises (their total order S
// orders only what the atomics around them read), so again only misses.
#include <atomic>

#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/sync_clocks.hpp"
#include "thread_registry.hpp"

namespace concheck::race {
namespace {

char g_seq_cst_fences;  // the sync object of seq_cst fences

bool is_acquire(std::memory_order order) noexcept {
  return order == std::memory_order_acquire || order == std::memory_order_consume ||
         order == std::memory_order_acq_rel || order == std::memory_order_seq_cst;
}
bool is_release(std::memory_order order) noexcept {
  return order == std::memory_order_release || order == std::memory_order_acq_rel ||
         order == std::memory_order_seq_cst;
}

std::uintptr_t key(const void* sync) noexcept {
  return reinterpret_cast<std::uintptr_t>(sync);
}

void do_release(thread_context& self, const void* sync, sync_merge how) noexcept {
  sync_apply(key(sync), self.clock, how);
  advance_epoch(self);
}

// Relaxed stores and RMWs after a release fence release the fence's clock.
void fence_release(thread_context& self, const void* sync) noexcept {
  if (self.has_release_fence) sync_apply(key(sync), self.release_fence, sync_merge::release_merge);
}

}  // namespace

void acquire(const void* sync) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  sync_apply(key(sync), self->clock, sync_merge::acquire);
}

void release(const void* sync) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  do_release(*self, sync, sync_merge::release_store);
}

void release_merge(const void* sync) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  do_release(*self, sync, sync_merge::release_merge);
}

void forget_sync(const void* sync) noexcept {
  if (!enabled()) return;
  detail::inside_scope inside;
  sync_forget(key(sync));
}

void forget_sync_range(std::uintptr_t address, std::size_t size) noexcept {
  if (!enabled() || size == 0) return;
  detail::inside_scope inside;
  sync_forget_range(address, address + size);
}

void fence(std::memory_order order) noexcept {
  if (!enabled() || order == std::memory_order_relaxed) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  if (order == std::memory_order_seq_cst)
    sync_apply(key(&g_seq_cst_fences), self->clock, sync_merge::acquire);
  if (is_acquire(order) && self->has_pending_acquire) {
    self->clock.join(self->pending_acquire);
    self->pending_acquire.clear();
    self->has_pending_acquire = false;
  }
  if (is_release(order)) {
    self->release_fence.assign(self->clock);
    self->has_release_fence = true;
    if (order == std::memory_order_seq_cst)
      sync_apply(key(&g_seq_cst_fences), self->clock, sync_merge::release_merge);
    advance_epoch(*self);
  }
}

void atomic_load_sync(const void* address, std::memory_order order) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  if (is_acquire(order)) {
    sync_apply(key(address), self->clock, sync_merge::acquire);
  } else if (sync_apply(key(address), self->pending_acquire, sync_merge::acquire)) {
    self->has_pending_acquire = true;
  }
}

void atomic_store_sync(const void* address, std::memory_order order) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  detail::inside_scope inside;
  if (is_release(order)) {
    do_release(*self, address, sync_merge::release_merge);
  } else {
    fence_release(*self, address);
  }
}

void atomic_rmw_sync(const void* address, std::memory_order order) noexcept {
  // The release side only; the acquire side is atomic_load_sync, after the operation.
  atomic_store_sync(address, order);
}

}  // namespace concheck::race
