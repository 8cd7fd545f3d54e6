// concheck runtime, race engine: memory for the engine's own tables that
// grow with the program (the address sync clocks' map nodes, vector clocks'
// entries past their inline slots), from mmap, never from the program's
// malloc. INTERNAL.
//
// Why: in the program's heap, each such allocation sits between the
// program's own blocks and spreads them over more address space, and every
// 64 KiB of the program's heap it touches takes a chunk of shadow (4x,
// shadow_memory.hpp). re2's dfa_test publishes every DFA transition with a
// release store to an atomic: one clock per transition, 48 bytes of map node
// and 80 of entries. With them from malloc its brk heap grew to 37 MiB
// against 10 MiB plain, 637 shadow chunks were mapped, and its peak memory
// was 1.74x TSan's (bench/README.md, "Race detection against TSan on a real
// library"). heap_block_table.hpp keeps its slots out of the heap for the
// same reason.
//
// Contract: internal_allocate(bytes) returns memory aligned to 16 bytes, or
// null when the system has none; internal_release(memory, bytes) takes it
// back, with the size it was asked with. Blocks up to kInternalSmallMax bytes come
// from size classes 16 bytes apart, each a free list under its own spin
// lock, carved from 1 MiB regions mmap'd with MAP_NORESERVE (pages are
// committed as they are first used). A freed small block is kept for its
// class, never returned to the system: the memory is bounded by the peak of
// each class's live blocks. Larger blocks are mmap'd and munmap'd whole.
// Cost: one uncontended spin lock and a pointer pop or push per call; a
// region's mmap once per MiB. The locks are leaves of the engine's lock
// order (race_spin_lock.hpp): no other lock is taken under them. Never calls
// malloc, so callers need no inside_scope for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace concheck::race {

inline constexpr std::size_t kInternalSmallMax = 4096;

void* internal_allocate(std::size_t bytes) noexcept;
void internal_release(void* memory, std::size_t bytes) noexcept;
// A block of new_bytes holding the first min(old_bytes, new_bytes) bytes of
// memory (which is released), or null with memory left as it was.
void* internal_reallocate(void* memory, std::size_t old_bytes, std::size_t new_bytes) noexcept;

// Bytes mapped for the internal heap so far (regions and large blocks).
std::uint64_t internal_heap_mapped_bytes() noexcept;
// In a forked child: a lock's holder may not exist there.
void internal_heap_after_fork() noexcept;

// A standard allocator over the internal heap, for node-based containers.
template <class T>
struct internal_allocator {
  using value_type = T;
  internal_allocator() noexcept = default;
  template <class U>
  internal_allocator(const internal_allocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= 16, "the internal heap aligns to 16 bytes");
    void* memory = internal_allocate(n * sizeof(T));
    if (memory == nullptr) throw std::bad_alloc();
    return static_cast<T*>(memory);
  }
  void deallocate(T* memory, std::size_t n) noexcept { internal_release(memory, n * sizeof(T)); }
  template <class U>
  bool operator==(const internal_allocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace concheck::race
