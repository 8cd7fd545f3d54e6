// concheck runtime: allocation functions, interposed so race detection knows
// every heap block's size and allocation site (race_heap.hpp). While race
// detection is off (no instrumented code ran) each forwards to the next
// definition in lookup order after one relaxed load. operator new is replaced
// too: called through libstdc++'s, malloc would see libstdc++ as its caller,
// and the report must name the user's `new` line.
//
// The next malloc is found with dlsym(RTLD_NEXT), as interpose_delete.cpp
// finds the next free(), so a malloc replacement loaded after concheck gets
// both halves of every pair. dlsym may itself allocate: while it runs, this
// thread's calls go to glibc's __libc_* functions.
// Under AddressSanitizer (concheck's own sanitizer build) the file is left
// out, as interpose_delete.cpp is: ASan owns the allocator.
#if !defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <new>

#include "race_heap.hpp"
#include "race_runtime.hpp"
#include "thread_registry.hpp"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {

using concheck::detail::heap_block_allocated;
using concheck::detail::heap_block_freed;

struct allocator {
  void* (*malloc)(std::size_t) = nullptr;
  void* (*calloc)(std::size_t, std::size_t) = nullptr;
  void* (*realloc)(void*, std::size_t) = nullptr;
  int (*posix_memalign)(void**, std::size_t, std::size_t) = nullptr;
  void* (*aligned_alloc)(std::size_t, std::size_t) = nullptr;
  void* (*memalign)(std::size_t, std::size_t) = nullptr;
  void* (*valloc)(std::size_t) = nullptr;
  void* (*pvalloc)(std::size_t) = nullptr;
};

int libc_posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  void* memory = __libc_memalign(alignment, size);
  if (memory == nullptr) return ENOMEM;
  *out = memory;
  return 0;
}
void* libc_aligned_alloc(std::size_t alignment, std::size_t size) {
  return __libc_memalign(alignment, size);
}
void* libc_valloc(std::size_t size) {
  return __libc_memalign(4096, size);
}
void* libc_pvalloc(std::size_t size) {
  return __libc_memalign(4096, (size + 4095) & ~std::size_t{4095});
}

constexpr allocator kLibc{&__libc_malloc,      &__libc_calloc,   &__libc_realloc, &libc_posix_memalign,
                          &libc_aligned_alloc, &__libc_memalign, &libc_valloc,    &libc_pvalloc};

allocator g_next;
std::atomic<bool> g_resolved{false};
__thread bool tls_resolving __attribute__((tls_model("initial-exec"))) = false;

template <class F>
void next_or_libc(F& out, const char* name, F fallback) {
  void* found = dlsym(RTLD_NEXT, name);
  out = found != nullptr ? reinterpret_cast<F>(found) : fallback;
}

const allocator& next() noexcept {
  if (__builtin_expect(g_resolved.load(std::memory_order_acquire), 1)) return g_next;
  if (tls_resolving) return kLibc;
  tls_resolving = true;
  allocator found;
  next_or_libc(found.malloc, "malloc", kLibc.malloc);
  next_or_libc(found.calloc, "calloc", kLibc.calloc);
  next_or_libc(found.realloc, "realloc", kLibc.realloc);
  next_or_libc(found.posix_memalign, "posix_memalign", kLibc.posix_memalign);
  next_or_libc(found.aligned_alloc, "aligned_alloc", kLibc.aligned_alloc);
  next_or_libc(found.memalign, "memalign", kLibc.memalign);
  next_or_libc(found.valloc, "valloc", kLibc.valloc);
  next_or_libc(found.pvalloc, "pvalloc", kLibc.pvalloc);
  g_next = found;  // several threads may race here: they store the same values
  g_resolved.store(true, std::memory_order_release);
  tls_resolving = false;
  return g_next;
}

inline bool tracking() noexcept {
  return __builtin_expect(concheck::race::enabled(), 0) && concheck::detail::tls_inside == 0 &&
         !tls_resolving;
}

inline void* tracked(void* memory, std::size_t size, void* caller) noexcept {
  if (tracking()) heap_block_allocated(memory, size, reinterpret_cast<std::uintptr_t>(caller));
  return memory;
}

// operator new: the standard's loop over the new-handler, then bad_alloc.
void* new_memory(std::size_t size, std::size_t alignment, void* caller) {
  if (size == 0) size = 1;
  for (;;) {
    void* memory = alignment <= alignof(std::max_align_t)
                       ? next().malloc(size)
                       : next().aligned_alloc(alignment, (size + alignment - 1) & ~(alignment - 1));
    if (memory != nullptr) return tracked(memory, size, caller);
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* new_memory_nothrow(std::size_t size, std::size_t alignment, void* caller) noexcept {
  try {
    return new_memory(size, alignment, caller);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

extern "C" {

void* malloc(std::size_t size) {
  return tracked(next().malloc(size), size, __builtin_return_address(0));
}

void* calloc(std::size_t count, std::size_t size) {
  return tracked(next().calloc(count, size), count * size, __builtin_return_address(0));
}

void* realloc(void* memory, std::size_t size) {
  // The old block's records end before the allocator can hand its bytes to
  // another thread; the result is a new block (its content's history is not
  // carried over: a missed race at worst, never a false one).
  if (memory != nullptr && tracking()) heap_block_freed(memory);
  return tracked(next().realloc(memory, size), size, __builtin_return_address(0));
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  const int result = next().posix_memalign(out, alignment, size);
  if (result == 0) tracked(*out, size, __builtin_return_address(0));
  return result;
}

void* aligned_alloc(std::size_t alignment, std::size_t size) {
  return tracked(next().aligned_alloc(alignment, size), size, __builtin_return_address(0));
}

void* memalign(std::size_t alignment, std::size_t size) {
  return tracked(next().memalign(alignment, size), size, __builtin_return_address(0));
}

void* valloc(std::size_t size) {
  return tracked(next().valloc(size), size, __builtin_return_address(0));
}

void* pvalloc(std::size_t size) {
  return tracked(next().pvalloc(size), size, __builtin_return_address(0));
}

}  // extern "C"

void* operator new(std::size_t size) {
  return new_memory(size, 0, __builtin_return_address(0));
}
void* operator new[](std::size_t size) {
  return new_memory(size, 0, __builtin_return_address(0));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return new_memory_nothrow(size, 0, __builtin_return_address(0));
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return new_memory_nothrow(size, 0, __builtin_return_address(0));
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return new_memory(size, static_cast<std::size_t>(alignment), __builtin_return_address(0));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return new_memory(size, static_cast<std::size_t>(alignment), __builtin_return_address(0));
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return new_memory_nothrow(size, static_cast<std::size_t>(alignment), __builtin_return_address(0));
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return new_memory_nothrow(size, static_cast<std::size_t>(alignment), __builtin_return_address(0));
}

#endif  // !__SANITIZE_ADDRESS__
