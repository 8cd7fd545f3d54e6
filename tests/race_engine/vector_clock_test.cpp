// vector_clock (vector_clock.hpp): its entries' pointer is never null and
// points into the object while the entries are inline, so every move must
// leave both clocks pointing at their own storage. Clocks inline and on
// the heap, moved both ways, then grown, read and cleared.
#include "race/vector_clock.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

namespace concheck::race {
namespace {

void fill(vector_clock& clock, std::uint32_t width, std::uint64_t base) {
  for (std::uint32_t slot = 0; slot < width; ++slot) clock.set(slot, base + slot);
}

void expect_filled(const vector_clock& clock, std::uint32_t width, std::uint64_t base) {
  ASSERT_EQ(clock.size(), width);
  for (std::uint32_t slot = 0; slot < width; ++slot) EXPECT_EQ(clock.get(slot), base + slot) << slot;
  EXPECT_EQ(clock.get(width), 0u) << "past the width";
}

TEST(VectorClock, MovesKeepEachClocksOwnEntries) {
  for (const std::uint32_t width : {2u, vector_clock::kInlineSlots, 9u}) {
    vector_clock first;
    fill(first, width, 100);
    vector_clock second(std::move(first));
    expect_filled(second, width, 100);
    EXPECT_EQ(first.size(), 0u);
    EXPECT_EQ(first.get(0), 0u);
    // The moved-from clock is usable on its own storage: growing it past
    // the inline entries leaves the other clock alone.
    fill(first, 12, 500);
    expect_filled(first, 12, 500);
    expect_filled(second, width, 100);
    // Moved back over a clock with entries of its own.
    second = std::move(first);
    expect_filled(second, 12, 500);
    fill(first, 3, 7);
    expect_filled(first, 3, 7);
    expect_filled(second, 12, 500);
    second.clear();
    EXPECT_EQ(second.size(), 0u);
    fill(second, width, 40);
    expect_filled(second, width, 40);
    expect_filled(first, 3, 7);
  }
}

TEST(VectorClock, JoinAndAssignAcrossInlineAndHeapEntries) {
  vector_clock narrow, wide;
  fill(narrow, 3, 50);
  fill(wide, 10, 1);
  narrow.join(wide);  // grows onto the heap
  ASSERT_EQ(narrow.size(), 10u);
  for (std::uint32_t slot = 0; slot < 10; ++slot)
    EXPECT_EQ(narrow.get(slot), slot < 3 ? 50 + slot : 1 + slot);
  vector_clock copy;
  copy.assign(narrow);
  EXPECT_TRUE(copy.ordered_before(narrow));
  EXPECT_TRUE(narrow.ordered_before(copy));
  EXPECT_FALSE(narrow.ordered_before(wide));
  EXPECT_TRUE(wide.ordered_before(narrow));
}

}  // namespace
}  // namespace concheck::race
