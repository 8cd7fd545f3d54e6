// concheck runtime: lock events as happens-before (race_sync.hpp).
#include "race_sync.hpp"

#include <atomic>

#include "thread_registry.hpp"

namespace concheck::detail {
namespace {

// Lock clocks live in the engine's sync table under keys no address can take
// (user-space addresses are below 2^47): bit 63 set, the lock id shifted up,
// bit 0 telling the write clock from the read-unlock clock.
const void* lock_key(detector::lock_id id, bool read_clock) noexcept {
  return reinterpret_cast<const void*>((std::uint64_t{1} << 63) | (id << 1) | (read_clock ? 1u : 0u));
}

// A thread's final clock: keyed by its pthread_t, which glibc makes the
// address of the thread's descriptor (a user-space address, so no lock key).
const void* thread_key(pthread_t thread) noexcept {
  return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(thread) | 1);
}

// Set at the first read unlock of any lock. Until then no lock has a read
// clock, and a writer's acquisition skips looking for one (a lookup that
// always misses, at every lock of a program without reader locks). A read
// unlock sets it before the real unlock, which happens before the next
// acquisition of that lock: the writer sees it.
std::atomic<bool> g_read_clocks{false};

}  // namespace

void race_lock_acquired(detector::lock_id id, detector::lock_mode mode) noexcept {
  inside_scope inside;
  race::acquire(lock_key(id, false));
  // A writer is ordered after every earlier reader too.
  if (mode == detector::lock_mode::exclusive && g_read_clocks.load(std::memory_order_relaxed))
    race::acquire(lock_key(id, true));
  race::lock_acquired(id);
}

void race_lock_releasing(thread_record* self, detector::lock_id id) noexcept {
  inside_scope inside;
  detector::held_lock held;
  const bool shared =
      self != nullptr && self->state.find_held(id, held) && held.mode == detector::lock_mode::shared;
  if (shared && !g_read_clocks.load(std::memory_order_relaxed))
    g_read_clocks.store(true, std::memory_order_relaxed);
  race::release_merge(lock_key(id, shared));
}

void race_lock_releasing_exclusive(detector::lock_id id) noexcept {
  inside_scope inside;
  race::release_merge(lock_key(id, false));
}

void race_lock_released(detector::lock_id id) noexcept {
  inside_scope inside;
  race::lock_released(id);
}

race::thread_token race_thread_creating() noexcept {
  if (!race::enabled()) return nullptr;
  inside_scope inside;
  return race::thread_create();
}

void race_thread_started(race::thread_token token, std::uint64_t thread_id) noexcept {
  if (!race::enabled()) return;
  inside_scope inside;
  race::thread_start(token, thread_id);
  race::forget_sync(thread_key(pthread_self()));  // a clock left by an earlier thread with this handle
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
    void* stack = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attributes, &stack, &size) == 0 && stack != nullptr)
      race::reset_range(reinterpret_cast<std::uintptr_t>(stack), size);
    pthread_attr_destroy(&attributes);
  }
}

void race_thread_ending() noexcept {
  if (!race::enabled()) return;
  inside_scope inside;
  race::release_merge(thread_key(pthread_self()));
  race::thread_exit();
}

void race_thread_joined(pthread_t thread) noexcept {
  if (!race::enabled()) return;
  inside_scope inside;
  race::acquire(thread_key(thread));
  race::forget_sync(thread_key(thread));
}

void race_lock_ended(detector::lock_id id) noexcept {
  inside_scope inside;
  race::forget_sync(lock_key(id, false));
  race::forget_sync(lock_key(id, true));
}

}  // namespace concheck::detail
