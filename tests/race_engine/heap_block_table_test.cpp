// The table of live heap blocks (race/heap_block_table.hpp) against std::map
// under random inserts and erases, with addresses chosen to collide in the
// table (the backward-shift deletion is where an open-addressing table goes
// wrong) and enough of them to make it grow several times.
#include "race/heap_block_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>

namespace concheck::detail {
namespace {

// The table has no destructor (it lives in the runtime's static storage).
struct owned_table : heap_block_table {
  ~owned_table() { clear(); }
};

heap_block block_at(std::uintptr_t address, std::uint64_t step) {
  return heap_block{address, static_cast<std::size_t>(step % 4096), static_cast<std::uint32_t>(step),
                    step * 7};
}

TEST(HeapBlockTable, AgreesWithAnOrderedMapUnderRandomInsertsAndErases) {
  owned_table table;
  std::map<std::uintptr_t, heap_block> model;
  std::mt19937_64 random(2026);
  for (std::uint64_t step = 0; step < 300000; ++step) {
    // 16-byte aligned addresses from a small range: long probe runs, and
    // erases of present and absent blocks.
    const std::uintptr_t address = 0x10000 + (random() % 3000) * 16;
    if (random() % 3 != 0) {
      const heap_block block = block_at(address, step);
      ASSERT_TRUE(table.insert(block));
      model[address] = block;
    } else {
      heap_block out;
      const bool erased = table.erase(address, out);
      ASSERT_EQ(erased, model.count(address) == 1) << "step " << step;
      if (erased) {
        EXPECT_EQ(out.size, model[address].size);
        EXPECT_EQ(out.thread, model[address].thread);
        model.erase(address);
      }
    }
    ASSERT_EQ(table.size(), model.size());
  }
  for (const auto& [address, block] : model) {
    heap_block found;
    ASSERT_TRUE(table.find(address, found));
    EXPECT_EQ(found.size, block.size);
    EXPECT_EQ(found.site, block.site);
    EXPECT_EQ(found.thread, block.thread);
  }
  std::size_t visited = 0;
  table.for_each([&](const heap_block& block) {
    ++visited;
    EXPECT_EQ(model.count(block.address), 1u);
  });
  EXPECT_EQ(visited, model.size());
}

TEST(HeapBlockTable, ReplacesTheBlockAtAnAddressAndRefusesAddressZero) {
  owned_table table;
  heap_block out;
  EXPECT_FALSE(table.find(0x1000, out));
  EXPECT_TRUE(table.insert(block_at(0x1000, 1)));
  EXPECT_TRUE(table.insert(block_at(0x1000, 2)));
  EXPECT_EQ(table.size(), 1u);
  ASSERT_TRUE(table.find(0x1000, out));
  EXPECT_EQ(out.site, 2u);
  EXPECT_FALSE(table.insert(heap_block{}));
  EXPECT_FALSE(table.erase(0x2000, out));
  EXPECT_TRUE(table.erase(0x1000, out));
  EXPECT_FALSE(table.find(0x1000, out));
  table.clear();
  EXPECT_TRUE(table.insert(block_at(0x3000, 3)));  // usable again after clear()
  EXPECT_TRUE(table.find(0x3000, out));
}

// A slot keeps the allocating thread's id to 32 bits: past that, 0 (a block
// of an unknown thread), never another thread's id.
TEST(HeapBlockTable, KeepsThreadIdsTo32BitsAndForgetsLargerOnes) {
  owned_table table;
  EXPECT_TRUE(table.insert(heap_block{0x1000, 16, 5, UINT32_MAX}));
  EXPECT_TRUE(table.insert(heap_block{0x2000, 16, 5, std::uint64_t{UINT32_MAX} + 2}));
  heap_block out;
  ASSERT_TRUE(table.find(0x1000, out));
  EXPECT_EQ(out.thread, UINT32_MAX);
  ASSERT_TRUE(table.find(0x2000, out));
  EXPECT_EQ(out.thread, 0u);
}

}  // namespace
}  // namespace concheck::detail
