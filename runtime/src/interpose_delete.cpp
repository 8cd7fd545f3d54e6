// concheck runtime: the global operator delete, replaced so that freeing the
// memory of a lock ends that lock. libstdc++'s std::mutex has a trivial
// destructor that never calls into pthreads, so this is how concheck learns
// that a std::mutex died: a locked one is reported as destroy-locked, and
// every one's record is recycled (memory stays bounded with millions of
// short-lived heap mutexes). The scan reads the freed block's 8-byte words
// looking for a valid stamp (lock_registry.hpp); it is skipped entirely while
// no lock is alive, and costs about one compare per word otherwise.
// Under AddressSanitizer (concheck's own sanitizer build) the replacement is
// left out: ASan's allocator owns operator new/delete and pairs them itself, so
// a delete that ends in free() would be an alloc-dealloc mismatch. Freed locked
// std::mutex objects then go unnoticed; the tests of that skip under ASan.
#if !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>

#include <cstdlib>
#include <new>

#include "lock_registry.hpp"
#include "thread_registry.hpp"

namespace {

inline void check_freed(void* memory, std::size_t size, void* caller) noexcept {
  using namespace concheck::detail;
  if (memory == nullptr || g_live_locks.load(std::memory_order_relaxed) == 0 || tls_inside != 0) return;
  inside_scope inside;
  locks_in_freed_memory(memory, size, reinterpret_cast<std::uintptr_t>(caller));
}

}  // namespace

void operator delete(void* memory) noexcept {
  if (memory != nullptr) check_freed(memory, malloc_usable_size(memory), __builtin_return_address(0));
  std::free(memory);
}

void operator delete[](void* memory) noexcept {
  if (memory != nullptr) check_freed(memory, malloc_usable_size(memory), __builtin_return_address(0));
  std::free(memory);
}

void operator delete(void* memory, std::size_t size) noexcept {
  check_freed(memory, size, __builtin_return_address(0));
  std::free(memory);
}

void operator delete[](void* memory, std::size_t size) noexcept {
  check_freed(memory, size, __builtin_return_address(0));
  std::free(memory);
}

void operator delete(void* memory, std::align_val_t) noexcept {
  if (memory != nullptr) check_freed(memory, malloc_usable_size(memory), __builtin_return_address(0));
  std::free(memory);
}

void operator delete[](void* memory, std::align_val_t) noexcept {
  if (memory != nullptr) check_freed(memory, malloc_usable_size(memory), __builtin_return_address(0));
  std::free(memory);
}

void operator delete(void* memory, std::size_t size, std::align_val_t) noexcept {
  check_freed(memory, size, __builtin_return_address(0));
  std::free(memory);
}

void operator delete[](void* memory, std::size_t size, std::align_val_t) noexcept {
  check_freed(memory, size, __builtin_return_address(0));
  std::free(memory);
}

void operator delete(void* memory, const std::nothrow_t&) noexcept {
  ::operator delete(memory);
}
void operator delete[](void* memory, const std::nothrow_t&) noexcept {
  ::operator delete[](memory);
}

#endif  // !__SANITIZE_ADDRESS__
