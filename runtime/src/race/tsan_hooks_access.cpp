// concheck runtime, race detection: the __tsan_* hooks of plain memory
// accesses (tsan_hooks.hpp): reads and writes of 1..16 bytes, aligned,
// unaligned, volatile and with an explicit pc, ranges, memory intrinsics
// (__tsan_memcpy and kin, which newer clang emits), C++ vtable pointers.
// Each becomes one engine access (race_runtime.hpp) after explore mode's
// scheduling point (explore_access.hpp); a plain write of 1 to 8 bytes
// that the thread's own write in its current epoch covers returns first,
// inline (access_fast_path.hpp), and so does a plain read of 1 to 8 bytes
// that its own write or read covers; a read that is not covered goes to the
// engine with the cell the check found.
#include <cstring>

#include "race/access_fast_path.hpp"
#include "race/tsan_hooks.hpp"

namespace concheck::race {
__thread int tls_ignore_accesses __attribute__((tls_model("initial-exec"))) = 0;
}  // namespace concheck::race

namespace {

using concheck::race::hook_active;

[[gnu::always_inline]] inline void on_read(const void* address, std::size_t size,
                                           std::uintptr_t pc) noexcept {
  if (!hook_active()) return;
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  concheck::detail::explore_access(at, false);
  concheck::race::read(at, size, pc);
}

[[gnu::always_inline]] inline void on_write(const void* address, std::size_t size,
                                            std::uintptr_t pc) noexcept {
  if (!hook_active()) return;
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  concheck::detail::explore_access(at, false);
  concheck::race::write(at, size, pc);
}

[[gnu::always_inline]] inline void on_read_range(const void* address, std::size_t size,
                                                 std::uintptr_t pc) noexcept {
  if (size == 0 || !hook_active()) return;
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  concheck::detail::explore_access(at, false);
  concheck::race::read_range(at, size, pc);
}

[[gnu::always_inline]] inline void on_write_range(const void* address, std::size_t size,
                                                  std::uintptr_t pc) noexcept {
  if (size == 0 || !hook_active()) return;
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  concheck::detail::explore_access(at, false);
  concheck::race::write_range(at, size, pc);
}

// The full path of a write, out of line: the write hooks below try the
// inline fast path first (access_fast_path.hpp) and end in a tail call here.
[[gnu::noinline]] void write_rest(const void* address, std::size_t size, std::uintptr_t pc) noexcept {
  on_write(address, size, pc);
}

// The full path of a read, out of line: in a thread explore mode controls,
// its scheduling point, then the engine's full path (the cell may have
// changed meanwhile); a 16-byte read the inline check did not cover.
[[gnu::noinline]] void read_full(const void* address, std::size_t size, std::uintptr_t pc) noexcept {
  on_read(address, size, pc);
}

// The rest of a read the read hooks' inline check did not cover but whose
// cell it found (`tagged_cell`, not 0): the gates, then the engine from that
// cell. Only tail calls, so no stack frame: explore mode's scheduling point
// is a call of its own (read_full). Its arguments are
// read_past_fast_check's, in its order, with the context the check loaded
// (`self`, not null): no register moves and no second load of tls_context
// before the tail call (issue 12, read_mostly, where most reads come here).
// No test of enabled(): a context is made only once detection is on
// (make_context), and it never goes off. A read with no cell (not mapped,
// two granules) goes to read_full from the hook instead, so this path tests
// no cell either: 19 instructions a read before, with the four gates, the
// cell test and the moves the read_full and read() calls asked for (issue
// 12, race-rd24).
// Explore mode's read_full with read_rest's arguments, so that read_rest
// moves none of them for it.
[[gnu::noipa, gnu::cold]] void read_rest_controlled(concheck::race::thread_context*, std::uintptr_t,
                                                    std::uintptr_t address, std::size_t size,
                                                    std::uintptr_t pc) noexcept {
  read_full(reinterpret_cast<const void*>(address), size, pc);
}
[[gnu::noinline]] void read_rest(concheck::race::thread_context* self, std::uintptr_t tagged_cell,
                                 std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept {
  if (concheck::detail::tls_inside != 0 || concheck::race::tls_ignore_accesses != 0) return;
  if (__builtin_expect(concheck::detail::explore::tls_controlled != nullptr, 0)) {
    read_rest_controlled(self, tagged_cell, address, size, pc);
    return;
  }
  concheck::race::read_past_fast_check(*self, tagged_cell, address, size, pc);
}

// A plain read of N bytes at `address` (1, 2, 4 or 8): returns if covered,
// unless explore mode controls the thread (then the full path).
[[gnu::always_inline]] inline void read_hook(const void* address, std::size_t size,
                                             std::uintptr_t pc) noexcept {
  concheck::race::thread_context* self = concheck::race::tls_context;
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::uintptr_t tagged_cell = 0;
  if (concheck::race::read_covered_in_current_epoch(self, at, size, tagged_cell)) {
    if (__builtin_expect(concheck::detail::explore::tls_controlled == nullptr, 1)) return;
    tagged_cell = 0;  // explore mode's scheduling point: read_full
  }
  if (__builtin_expect(tagged_cell == 0, 0)) {
    read_full(address, size, pc);
    return;
  }
  read_rest(self, tagged_cell, at, size, pc);
}

// A plain write of N bytes at `address` (1, 2, 4, 8 or 16): the fast path,
// unless explore mode controls the thread.
[[gnu::always_inline]] inline bool covered(const void* address, std::size_t size) noexcept {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  const bool covered = size == 16 ? concheck::race::sixteen_covered_in_current_epoch(at, true)
                                  : concheck::race::write_covered_in_current_epoch(at, size);
  return covered && !concheck::detail::explore::tls_controlled;
}

}  // namespace

// A write hook starts a cache line: the same code at another offset ran
// single_loop's loop a tenth slower (3.79 against 3.49 ns per element).
#define CONCHECK_HOT_HOOK __attribute__((aligned(64)))

// 1 to 8 bytes: the inline check first.
#define CONCHECK_TSAN_READ(N)                      \
  CONCHECK_HOT_HOOK void __tsan_read##N(void* a) { \
    read_hook(a, N, CONCHECK_CALLER_PC());         \
  }

#define CONCHECK_TSAN_ACCESS(N)                           \
  CONCHECK_HOT_HOOK void __tsan_write##N(void* a) {       \
    if (covered(a, N)) return;                            \
    write_rest(a, N, CONCHECK_CALLER_PC());               \
  }                                                       \
  void __tsan_read##N##_pc(void* a, void* pc) {           \
    on_read(a, N, reinterpret_cast<std::uintptr_t>(pc));  \
  }                                                       \
  void __tsan_write##N##_pc(void* a, void* pc) {          \
    on_write(a, N, reinterpret_cast<std::uintptr_t>(pc)); \
  }                                                       \
  void __tsan_volatile_read##N(void* a) {                 \
    on_read(a, N, CONCHECK_CALLER_PC());                  \
  }                                                       \
  void __tsan_volatile_write##N(void* a) {                \
    on_write(a, N, CONCHECK_CALLER_PC());                 \
  }

#define CONCHECK_TSAN_UNALIGNED(N)                   \
  void __tsan_unaligned_read##N(const void* a) {     \
    on_read(a, N, CONCHECK_CALLER_PC());             \
  }                                                  \
  void __tsan_unaligned_write##N(void* a) {          \
    on_write(a, N, CONCHECK_CALLER_PC());            \
  }                                                  \
  void __tsan_unaligned_volatile_read##N(void* a) {  \
    on_read(a, N, CONCHECK_CALLER_PC());             \
  }                                                  \
  void __tsan_unaligned_volatile_write##N(void* a) { \
    on_write(a, N, CONCHECK_CALLER_PC());            \
  }

extern "C" {

CONCHECK_TSAN_READ(1)
CONCHECK_TSAN_READ(2)
CONCHECK_TSAN_READ(4)
CONCHECK_TSAN_READ(8)
// Two granules: covered by this thread's own accesses in its epoch, both of
// them, inline; otherwise the engine's full path.
CONCHECK_HOT_HOOK void __tsan_read16(void* a) {
  if (concheck::race::sixteen_covered_in_current_epoch(reinterpret_cast<std::uintptr_t>(a), false) &&
      !concheck::detail::explore::tls_controlled) {
    return;
  }
  read_full(a, 16, CONCHECK_CALLER_PC());
}
CONCHECK_TSAN_ACCESS(1)
CONCHECK_TSAN_ACCESS(2)
CONCHECK_TSAN_ACCESS(4)
CONCHECK_TSAN_ACCESS(8)
CONCHECK_TSAN_ACCESS(16)
CONCHECK_TSAN_UNALIGNED(2)
CONCHECK_TSAN_UNALIGNED(4)
CONCHECK_TSAN_UNALIGNED(8)
CONCHECK_TSAN_UNALIGNED(16)

void __tsan_read_range(void* a, unsigned long size) {
  on_read_range(a, size, CONCHECK_CALLER_PC());
}
void __tsan_write_range(void* a, unsigned long size) {
  on_write_range(a, size, CONCHECK_CALLER_PC());
}
void __tsan_read_range_pc(void* a, unsigned long size, void* pc) {
  on_read_range(a, size, reinterpret_cast<std::uintptr_t>(pc));
}
void __tsan_write_range_pc(void* a, unsigned long size, void* pc) {
  on_write_range(a, size, reinterpret_cast<std::uintptr_t>(pc));
}

// Memory intrinsics (clang 17 and later call these instead of memcpy).
void* __tsan_memcpy(void* dst, const void* src, unsigned long size) {
  on_read_range(src, size, CONCHECK_CALLER_PC());
  on_write_range(dst, size, CONCHECK_CALLER_PC());
  return std::memcpy(dst, src, size);
}
void* __tsan_memmove(void* dst, const void* src, unsigned long size) {
  on_read_range(src, size, CONCHECK_CALLER_PC());
  on_write_range(dst, size, CONCHECK_CALLER_PC());
  return std::memmove(dst, src, size);
}
void* __tsan_memset(void* dst, int value, unsigned long size) {
  on_write_range(dst, size, CONCHECK_CALLER_PC());
  return std::memset(dst, value, size);
}

// A constructor or destructor storing the vtable pointer. Storing the value
// it already holds (a base's constructor ran in this object) changes
// nothing, as libtsan also treats it: only a real change is a write.
void __tsan_vptr_update(void** vptr, void* value) {
  if (*vptr == value) return;
  on_write(vptr, sizeof(void*), CONCHECK_CALLER_PC());
}
// A virtual call loading the vtable pointer.
void __tsan_vptr_read(void** vptr) {
  on_read(vptr, sizeof(void*), CONCHECK_CALLER_PC());
}

// ThreadSanitizer's external API (sanitizer/tsan_interface.h): an access to
// an object a library models as one location.
void __tsan_external_read(void* address, void* caller_pc, void* /*tag*/) {
  on_read(address, 1, reinterpret_cast<std::uintptr_t>(caller_pc));
}
void __tsan_external_write(void* address, void* caller_pc, void* /*tag*/) {
  on_write(address, 1, reinterpret_cast<std::uintptr_t>(caller_pc));
}

}  // extern "C"
