// concheck runtime: the heap blocks race detection knows (race_heap.hpp).
#include "race_heap.hpp"

#include <vector>

#include "access_summary.hpp"
#include "concheck/detector/internal_lock.hpp"
#include "race/heap_block_table.hpp"
#include "race_runtime.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {
namespace {

constexpr std::size_t kShards = 64;

struct shard {
  internal_lock lock{lock_rank::race_heap};
  heap_block_table blocks CONCHECK_GUARDED_BY(lock);
};

shard g_shards[kShards];

shard& shard_of(std::uintptr_t address) noexcept {
  // Blocks are at least 16-byte aligned: mix the bits above.
  return g_shards[((address >> 4) ^ (address >> 12)) % kShards];
}

}  // namespace

void heap_block_allocated(void* memory, std::size_t size, std::uintptr_t pc) noexcept {
  if (memory == nullptr) return;
  inside_scope inside;
  const auto address = reinterpret_cast<std::uintptr_t>(memory);
  heap_block block{address, size, race::current_site(pc), tls_thread != nullptr ? tls_thread->state.id() : 0};
  shard& s = shard_of(address);
  internal_guard guard(s.lock);
  // Out of memory: the block goes unrecorded (no allocation site in reports).
  s.blocks.insert(block);
}

void heap_block_freed(void* memory) noexcept {
  if (memory == nullptr) return;
  inside_scope inside;
  const auto address = reinterpret_cast<std::uintptr_t>(memory);
  heap_block block;
  {
    shard& s = shard_of(address);
    internal_guard guard(s.lock);
    if (!s.blocks.erase(address, block)) return;
  }
  summarize_freed_block(block);
  race::forget_sync_range(block.address, block.size);
  race::reset_range(block.address, block.size);
}

bool find_heap_block(std::uintptr_t address, heap_block& out) noexcept {
  inside_scope inside;
  for (shard& s : g_shards) {
    internal_guard guard(s.lock);
    bool found = false;
    s.blocks.for_each([&](const heap_block& block) {
      if (address >= block.address && address < block.address + (block.size == 0 ? 1 : block.size)) {
        out = block;
        found = true;
      }
    });
    if (found) return true;
  }
  return false;
}

void for_each_heap_block(void (*fn)(void* context, const heap_block& block), void* context) noexcept {
  inside_scope inside;
  for (shard& s : g_shards) {
    std::vector<heap_block> blocks;
    {
      internal_guard guard(s.lock);
      try {
        blocks.reserve(s.blocks.size());
        s.blocks.for_each([&](const heap_block& block) { blocks.push_back(block); });
      } catch (...) {
        continue;
      }
    }
    for (const heap_block& block : blocks) fn(context, block);
  }
}

}  // namespace concheck::detail
