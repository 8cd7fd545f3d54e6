// concheck runtime: the heap blocks race detection knows. INTERNAL.
//
// While race detection is on, every allocation through malloc, calloc,
// realloc, the aligned allocators and operator new (race/interpose_alloc.cpp)
// is recorded with its size, its allocation site (race::current_site: the
// caller's line and the shadow call stack, no unwinding) and the allocating
// thread; free() and operator delete (interpose_delete.cpp) drop it, first
// folding its per-location records into the access summary and resetting its
// shadow, so a block reused by the allocator starts with no accesses (no
// stale race against the previous owner of the bytes).
//
// Storage: 64 shards, each an internal_lock and an open-addressing table
// keyed by the block's address, in memory of its own (heap_block_table.hpp:
// nothing of the runtime's sits between the application's blocks). Cost: one shard lock and one hash insert
// per allocation, one lookup and erase per free (only while race detection is on; otherwise the interposed
// allocation functions forward after one relaxed load). Finding the block that contains an address (a report)
// walks every shard: report time only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace concheck::detail {

struct heap_block {
  std::uintptr_t address = 0;
  std::size_t size = 0;
  std::uint32_t site = 0;    // stack-depot id of the allocation
  std::uint64_t thread = 0;  // concheck id of the allocating thread
};

// Records a new block (race detection on, outside concheck's own code).
void heap_block_allocated(void* memory, std::size_t size, std::uintptr_t pc) noexcept;
// `memory` is about to be freed: its records are folded into the summary,
// its shadow and sync clocks reset. Unknown blocks (allocated before race
// detection began) are left alone.
void heap_block_freed(void* memory) noexcept;
// The live block containing `address`; false if none is known.
bool find_heap_block(std::uintptr_t address, heap_block& out) noexcept;
// Every live block (the access summary at exit).
void for_each_heap_block(void (*fn)(void* context, const heap_block& block), void* context) noexcept;

}  // namespace concheck::detail
