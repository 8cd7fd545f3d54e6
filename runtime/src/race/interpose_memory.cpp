// concheck runtime: memcpy, memmove and memset, interposed so race detection
// sees the bulk accesses instrumented code makes through them. g++ turns a
// copy of a known size into __tsan_read_range/__tsan_write_range, but a call
// of variable size stays a plain call, and clang before 17 leaves every
// memory intrinsic as one: libtsan intercepts these functions for the same
// reason. While race detection is off, or in concheck's own code, each costs
// one relaxed load and one thread-local read before glibc's function.
//
// glibc's own function is reached through its fortified entry point
// (__memcpy_chk and kin, with no destination bound), which needs no dlsym:
// nothing here can recurse, allocate or run before the loader has bound it.
// The accesses are attributed to the caller of memcpy, the user's line.
// Under AddressSanitizer (concheck's own sanitizer build) the file is left
// out: ASan intercepts these functions itself.
#if !defined(__SANITIZE_ADDRESS__)
#include <cstddef>
#include <cstdint>

#include "race/tsan_hooks.hpp"

// Declared under other C++ names (asm labels): the compiler knows
// __memcpy_chk with an unbounded size as memcpy and would turn the call
// into one, which is this file's memcpy.
extern "C" {
void* glibc_memcpy_chk(void* dst, const void* src, std::size_t size,
                       std::size_t dst_size) __asm__("__memcpy_chk");
void* glibc_memmove_chk(void* dst, const void* src, std::size_t size,
                        std::size_t dst_size) __asm__("__memmove_chk");
void* glibc_memset_chk(void* dst, int value, std::size_t size, std::size_t dst_size) __asm__("__memset_chk");
}

namespace {

constexpr std::size_t kUnbounded = ~std::size_t{0};

[[gnu::always_inline]] inline void on_copy(void* dst, const void* src, std::size_t size,
                                           std::uintptr_t pc) noexcept {
  if (size == 0 || !concheck::race::hook_active()) return;
  const auto from = reinterpret_cast<std::uintptr_t>(src);
  const auto to = reinterpret_cast<std::uintptr_t>(dst);
  concheck::detail::explore_access(to, false);
  concheck::race::read_range(from, size, pc);
  concheck::race::write_range(to, size, pc);
}

}  // namespace

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t size) {
  on_copy(dst, src, size, CONCHECK_CALLER_PC());
  return glibc_memcpy_chk(dst, src, size, kUnbounded);
}

void* memmove(void* dst, const void* src, std::size_t size) {
  on_copy(dst, src, size, CONCHECK_CALLER_PC());
  return glibc_memmove_chk(dst, src, size, kUnbounded);
}

void* memset(void* dst, int value, std::size_t size) {
  if (size != 0 && concheck::race::hook_active()) {
    const auto to = reinterpret_cast<std::uintptr_t>(dst);
    concheck::detail::explore_access(to, false);
    concheck::race::write_range(to, size, CONCHECK_CALLER_PC());
  }
  return glibc_memset_chk(dst, value, size, kUnbounded);
}

}  // extern "C"
#endif  // !__SANITIZE_ADDRESS__
