// The race engine's internal heap (runtime/src/race/internal_heap.hpp):
// blocks aligned and distinct, a released block reused by its class, large
// blocks mapped and unmapped whole, contents kept across a reallocation,
// distinct blocks for threads allocating at once, and nothing from malloc.
#include "race/internal_heap.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <vector>

namespace concheck::race {
namespace {

TEST(InternalHeap, BlocksAreAlignedAndDistinct) {
  std::set<std::uintptr_t> seen;
  std::vector<std::pair<void*, std::size_t>> blocks;
  for (std::size_t bytes : {1u, 8u, 16u, 17u, 48u, 80u, 4096u}) {
    void* block = internal_allocate(bytes);
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % 16, 0u);
    std::memset(block, 0xab, bytes);  // writable, whole
    EXPECT_TRUE(seen.insert(reinterpret_cast<std::uintptr_t>(block)).second);
    blocks.emplace_back(block, bytes);
  }
  for (auto [block, bytes] : blocks) internal_release(block, bytes);
}

TEST(InternalHeap, AReleasedBlockIsReusedByItsClass) {
  void* first = internal_allocate(80);
  internal_release(first, 80);
  EXPECT_EQ(internal_allocate(72), first);  // 72 rounds to the same 80-byte class
  internal_release(first, 72);
  void* other = internal_allocate(96);
  EXPECT_NE(other, first);
  internal_release(other, 96);
}

TEST(InternalHeap, LargeBlocksAreMappedAndUnmappedWhole) {
  const std::uint64_t before = internal_heap_mapped_bytes();
  void* large = internal_allocate(kInternalSmallMax + 1);
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(internal_heap_mapped_bytes(), before + 8192);
  std::memset(large, 1, kInternalSmallMax + 1);
  internal_release(large, kInternalSmallMax + 1);
  EXPECT_EQ(internal_heap_mapped_bytes(), before);
}

TEST(InternalHeap, ReallocationKeepsTheContents) {
  auto* small = static_cast<std::uint64_t*>(internal_allocate(8 * sizeof(std::uint64_t)));
  for (std::uint64_t i = 0; i < 8; ++i) small[i] = i * 3;
  auto* grown = static_cast<std::uint64_t*>(
      internal_reallocate(small, 8 * sizeof(std::uint64_t), 1024 * sizeof(std::uint64_t)));  // small to large
  ASSERT_NE(grown, nullptr);
  for (std::uint64_t i = 0; i < 8; ++i) EXPECT_EQ(grown[i], i * 3);
  auto* shrunk = static_cast<std::uint64_t*>(
      internal_reallocate(grown, 1024 * sizeof(std::uint64_t), 4 * sizeof(std::uint64_t)));
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_EQ(shrunk[i], i * 3);
  internal_release(shrunk, 4 * sizeof(std::uint64_t));
}

// Each thread fills its blocks with its own byte and checks them after all
// are allocated: a block handed to two threads would hold the other's byte
// (whatever the interleaving, so no order needs forcing).
TEST(InternalHeap, ThreadsAllocatingAtOnceGetDistinctBlocks) {
  constexpr int kThreads = 4;
  constexpr int kBlocks = 2000;
  std::vector<int> bad(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &bad] {
      std::vector<unsigned char*> mine;
      for (int i = 0; i < kBlocks; ++i) {
        const std::size_t bytes = 16 + 16 * (i % 8);
        auto* block = static_cast<unsigned char*>(internal_allocate(bytes));
        std::memset(block, t + 1, bytes);
        mine.push_back(block);
        if (i % 3 == 0) {  // some go back and are taken again meanwhile
          internal_release(mine.back(), bytes);
          mine.pop_back();
          mine.push_back(nullptr);
        }
      }
      for (int i = 0; i < kBlocks; ++i) {
        if (mine[i] == nullptr) continue;
        const std::size_t bytes = 16 + 16 * (i % 8);
        for (std::size_t b = 0; b < bytes; ++b) bad[t] += mine[i][b] != t + 1;
        internal_release(mine[i], bytes);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(bad[t], 0) << "thread " << t;
}

TEST(InternalHeap, AContainerOnItTakesNothingFromMalloc) {
  const std::size_t before = mallinfo2().uordblks;
  {
    std::map<int, int, std::less<>, internal_allocator<std::pair<const int, int>>> map;
    for (int i = 0; i < 5000; ++i) map.emplace(i, i);
    EXPECT_EQ(map.size(), 5000u);
    EXPECT_LT(mallinfo2().uordblks, before + 4096);
  }
}

}  // namespace
}  // namespace concheck::race
