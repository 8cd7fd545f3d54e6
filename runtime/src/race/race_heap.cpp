// concheck runtime: the heap blocks race detection knows (race_heap.hpp).
#include "race_heap.hpp"

#include <unordered_map>

#include "access_summary.hpp"
#include "concheck/detector/internal_lock.hpp"
#include "race_runtime.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {
namespace {

constexpr std::size_t kShards = 64;

struct shard {
  internal_lock lock{lock_rank::race_heap};
  std::unordered_map<std::uintptr_t, heap_block>* blocks CONCHECK_GUARDED_BY(lock) = nullptr;
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
  try {
    if (s.blocks == nullptr) s.blocks = new std::unordered_map<std::uintptr_t, heap_block>();
    (*s.blocks)[address] = block;
  } catch (...) {
    // Out of memory: the block goes unrecorded (no allocation site in reports).
  }
}

void heap_block_freed(void* memory) noexcept {
  if (memory == nullptr) return;
  inside_scope inside;
  const auto address = reinterpret_cast<std::uintptr_t>(memory);
  heap_block block;
  {
    shard& s = shard_of(address);
    internal_guard guard(s.lock);
    if (s.blocks == nullptr) return;
    auto found = s.blocks->find(address);
    if (found == s.blocks->end()) return;
    block = found->second;
    s.blocks->erase(found);
  }
  summarize_freed_block(block);
  race::forget_sync_range(block.address, block.size);
  race::reset_range(block.address, block.size);
}

bool find_heap_block(std::uintptr_t address, heap_block& out) noexcept {
  inside_scope inside;
  for (shard& s : g_shards) {
    internal_guard guard(s.lock);
    if (s.blocks == nullptr) continue;
    for (const auto& [start, block] : *s.blocks) {
      if (address >= start && address < start + (block.size == 0 ? 1 : block.size)) {
        out = block;
        return true;
      }
    }
  }
  return false;
}

void for_each_heap_block(void (*fn)(void* context, const heap_block& block), void* context) noexcept {
  inside_scope inside;
  for (shard& s : g_shards) {
    std::vector<heap_block> blocks;
    {
      internal_guard guard(s.lock);
      if (s.blocks == nullptr) continue;
      try {
        blocks.reserve(s.blocks->size());
        for (const auto& entry : *s.blocks) blocks.push_back(entry.second);
      } catch (...) {
        continue;
      }
    }
    for (const heap_block& block : blocks) fn(context, block);
  }
}

}  // namespace concheck::detail
