// concheck runtime: freeing memory ends the locks in it. The global operator
// delete is replaced and free() interposed: libstdc++'s std::mutex has a
// trivial destructor that never calls into pthreads, and C code frees a
// struct holding a pthread_mutex_t without pthread_mutex_destroy, so this is
// how concheck learns that such a lock died: a locked one is reported as
// destroy-locked, every one's record is recycled (memory stays bounded with
// millions of short-lived heap mutexes), and its stamp becomes a "freed"
// one, so a later use through a dangling pointer is reported as
// use-after-destroy (while the allocator has not reused the bytes).
// The scan reads the freed block's 8-byte words looking for a valid stamp
// (lock_registry.hpp); it is skipped entirely while no lock is alive or
// inside concheck's own code, and costs about two compares per word
// otherwise (free() is hot: that is one relaxed load and one TLS load when
// it is skipped).
// Under AddressSanitizer (concheck's own sanitizer build) both are left out:
// ASan's allocator owns malloc/free and operator new/delete and pairs them
// itself. Freed locked mutexes then go unnoticed; the tests of that skip
// under ASan.
#if !defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <malloc.h>

#include <cstdlib>
#include <new>

#include "lock_registry.hpp"
#include "race/race_heap.hpp"
#include "race/race_runtime.hpp"
#include "thread_registry.hpp"

extern "C" void __libc_free(void*);

namespace {

// Blocks of at most this size that held a lock are freed late (quarantine()).
constexpr std::size_t kQuarantineMaxBlock = 4096;

// `size` 0: ask the allocator, only once a scan is due (free() is hot).
// Returns whether the block is to be quarantined.
inline bool check_freed(void* memory, std::size_t size, void* caller) noexcept {
  using namespace concheck::detail;
  if (memory == nullptr || g_live_locks.load(std::memory_order_relaxed) == 0 || tls_inside != 0) return false;
  inside_scope inside;
  if (size == 0) size = malloc_usable_size(memory);
  return locks_in_freed_memory(memory, size, reinterpret_cast<std::uintptr_t>(caller)) &&
         size <= kQuarantineMaxBlock;
}

using free_function = void (*)(void*);
constinit std::atomic<free_function> g_real_free{nullptr};
__thread bool tls_resolving_free __attribute__((tls_model("initial-exec"))) = false;

// The next free() in lookup order (libc's, or a malloc replacement's loaded
// after concheck). Not through real_functions.hpp: dlsym itself may free, so
// a free() during the lookup is leaked (once per thread that races it) rather
// than recursing; and it must never fall back to the global lookup, which
// finds this very function.
free_function real_free() noexcept {
  free_function function = g_real_free.load(std::memory_order_acquire);
  if (__builtin_expect(function != nullptr, 1)) return function;
  if (tls_resolving_free) return nullptr;
  tls_resolving_free = true;
  function = reinterpret_cast<free_function>(dlsym(RTLD_NEXT, "free"));
  if (function == nullptr) function = &__libc_free;
  tls_resolving_free = false;
  g_real_free.store(function, std::memory_order_release);
  return function;
}

inline void release(void* memory) noexcept {
  if (const free_function function = real_free()) function(memory);
}

// A small block that held a lock waits here before it is freed: the last
// kQuarantine of them, as ASan's and TSan's quarantines keep freed memory
// from reuse. A use of the lock through a dangling pointer soon after then
// finds the "freed" stamp (reported as use-after-destroy, the call fails
// with EINVAL) instead of whatever reused the bytes: in a program that does
// nothing between free() and the bad use, concheck's own report would be the
// first to reuse them. At most kQuarantine * kQuarantineMaxBlock bytes (1 MiB)
// wait; lock-free, and rare (only blocks that held a lock).
constexpr std::size_t kQuarantine = 256;
constinit std::atomic<void*> g_quarantine[kQuarantine] = {};
constinit std::atomic<std::size_t> g_quarantine_next{0};

void quarantine(void* memory) noexcept {
  const std::size_t slot = g_quarantine_next.fetch_add(1, std::memory_order_relaxed) % kQuarantine;
  if (void* evicted = g_quarantine[slot].exchange(memory, std::memory_order_acq_rel)) release(evicted);
}

inline void free_checked(void* memory, std::size_t size, void* caller) noexcept {
  // Race detection: the block's accesses end before another thread can get its bytes.
  if (__builtin_expect(concheck::race::enabled(), 0) && concheck::detail::tls_inside == 0) {
    concheck::detail::heap_block_freed(memory);
  }
  if (check_freed(memory, size, caller)) {
    quarantine(memory);
  } else {
    release(memory);
  }
}

}  // namespace

extern "C" void free(void* memory) noexcept {
  free_checked(memory, 0, __builtin_return_address(0));
}

void operator delete(void* memory) noexcept {
  free_checked(memory, 0, __builtin_return_address(0));
}

void operator delete[](void* memory) noexcept {
  free_checked(memory, 0, __builtin_return_address(0));
}

void operator delete(void* memory, std::size_t size) noexcept {
  free_checked(memory, size, __builtin_return_address(0));
}

void operator delete[](void* memory, std::size_t size) noexcept {
  free_checked(memory, size, __builtin_return_address(0));
}

void operator delete(void* memory, std::align_val_t) noexcept {
  free_checked(memory, 0, __builtin_return_address(0));
}

void operator delete[](void* memory, std::align_val_t) noexcept {
  free_checked(memory, 0, __builtin_return_address(0));
}

void operator delete(void* memory, std::size_t size, std::align_val_t) noexcept {
  free_checked(memory, size, __builtin_return_address(0));
}

void operator delete[](void* memory, std::size_t size, std::align_val_t) noexcept {
  free_checked(memory, size, __builtin_return_address(0));
}

void operator delete(void* memory, const std::nothrow_t&) noexcept {
  ::operator delete(memory);
}
void operator delete[](void* memory, const std::nothrow_t&) noexcept {
  ::operator delete[](memory);
}

#endif  // !__SANITIZE_ADDRESS__
