// concheck runtime, race detection: the __tsan_* hooks that are not memory
// accesses (tsan_hooks.hpp): module initialization, the shadow call stack,
// ThreadSanitizer's annotation API (sanitizer/tsan_interface.h) for code
// that declares its own synchronization, and ignore regions.
//
// Not provided (a program calling one fails to link, naming it): fibers,
// the Java API, the report-inspection API; __tsan_default_options and
// __tsan_default_suppressions are a program's to define (concheck reads
// CONCHECK_OPTIONS and race: suppressions instead, docs/race.md).
#include "race/tsan_hooks.hpp"

extern "C" {

// Each instrumented module's constructor calls it: race detection turns on.
void __tsan_init() {
  concheck::race::enable();
}

void __tsan_func_entry(void* caller_pc) {
  concheck::race::func_entry(reinterpret_cast<std::uintptr_t>(caller_pc));
}
void __tsan_func_exit() {
  concheck::race::func_exit();
}

// A program's own happens-before edges.
void __tsan_acquire(void* address) {
  if (concheck::race::hook_active()) concheck::race::acquire(address);
}
void __tsan_release(void* address) {
  if (concheck::race::hook_active()) concheck::race::release_merge(address);
}

// A program's own mutex (flags as in tsan_interface.h: 8 = read lock; 16 =
// try-lock, 32 = it failed). Locking acquires the mutex's clock and
// unlocking releases it; the lock is not added to the lock-order graph (it
// is not a lock concheck can see).
constexpr unsigned kMutexReadLock = 1u << 3;
constexpr unsigned kMutexTryLockFailed = 1u << 5;
void __tsan_mutex_create(void*, unsigned) {}
void __tsan_mutex_destroy(void* address, unsigned) {
  if (concheck::race::hook_active()) concheck::race::forget_sync(address);
}
void __tsan_mutex_pre_lock(void*, unsigned) {}
void __tsan_mutex_post_lock(void* address, unsigned flags, int) {
  if ((flags & kMutexTryLockFailed) == 0 && concheck::race::hook_active()) concheck::race::acquire(address);
}
int __tsan_mutex_pre_unlock(void* address, unsigned flags) {
  if (!concheck::race::hook_active()) return 0;
  if ((flags & kMutexReadLock) != 0) {
    concheck::race::release_merge(address);
  } else {
    concheck::race::release(address);
  }
  return 0;
}
void __tsan_mutex_post_unlock(void*, unsigned) {}
void __tsan_mutex_pre_signal(void*, unsigned) {}
void __tsan_mutex_post_signal(void*, unsigned) {}
void __tsan_mutex_pre_divert(void*, unsigned) {}
void __tsan_mutex_post_divert(void*, unsigned) {}

// Accesses between begin and end (nested) are not checked.
void __tsan_ignore_thread_begin() {
  ++concheck::race::tls_ignore_accesses;
}
void __tsan_ignore_thread_end() {
  if (concheck::race::tls_ignore_accesses > 0) --concheck::race::tls_ignore_accesses;
}

}  // extern "C"
