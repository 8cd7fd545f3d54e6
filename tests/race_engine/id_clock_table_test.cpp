// The table of lock ids' clocks (id_clock_table.hpp) against std::map under
// random inserts and erases, with keys chosen to collide in the table (the
// backward-shift deletion is where an open-addressing table goes wrong), and
// vector clocks that outgrow their inline entries (moves on growth).
#include "race/id_clock_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>

namespace concheck::race {
namespace {

std::uint64_t clock_value(const vector_clock& clock) {
  std::uint64_t value = 0;
  for (std::uint32_t i = 0; i < clock.size(); ++i) value = value * 31 + clock.get(i);
  return value;
}

// The table has no destructor (it lives in the runtime's static storage).
struct owned_table : id_clock_table {
  ~owned_table() { clear(); }
};

TEST(IdClockTable, AgreesWithAnOrderedMapUnderRandomInsertsAndErases) {
  owned_table table;
  std::map<std::uint64_t, std::uint64_t> model;  // key -> clock_value
  std::mt19937_64 random(12345);
  for (int step = 0; step < 200000; ++step) {
    // Few distinct keys, lock-key shaped (bit 63, id << 1, read bit): runs
    // of collisions and many erases of present and absent keys.
    const std::uint64_t key = (std::uint64_t{1} << 63) | ((random() % 700) << 1) | (random() % 2);
    switch (random() % 3) {
      case 0: {
        bool inserted = false;
        vector_clock* clock = table.find_or_insert(key, inserted);
        ASSERT_NE(clock, nullptr);
        ASSERT_EQ(inserted, model.count(key) == 0) << "step " << step;
        const std::uint32_t slot = static_cast<std::uint32_t>(random() % 9);  // past the inline entries too
        clock->set(slot, clock->get(slot) + 1 + step % 5);
        model[key] = clock_value(*clock);
        break;
      }
      case 1:
        ASSERT_EQ(table.erase(key), model.erase(key) == 1) << "step " << step;
        break;
      default: {
        vector_clock* clock = table.find(key);
        const auto expected = model.find(key);
        ASSERT_EQ(clock != nullptr, expected != model.end()) << "step " << step;
        if (clock != nullptr) {
          ASSERT_EQ(clock_value(*clock), expected->second) << "step " << step;
        }
      }
    }
  }
  for (const auto& [key, value] : model) {
    vector_clock* clock = table.find(key);
    ASSERT_NE(clock, nullptr);
    EXPECT_EQ(clock_value(*clock), value);
  }
}

TEST(IdClockTable, ErasingEveryKeyLeavesNoneAndTheTableReusable) {
  owned_table table;
  for (std::uint64_t id = 1; id <= 5000; ++id) {
    bool inserted = false;
    table.find_or_insert(id << 1, inserted)->set(0, id);
  }
  for (std::uint64_t id = 1; id <= 5000; ++id) ASSERT_TRUE(table.erase(id << 1)) << id;
  for (std::uint64_t id = 1; id <= 5000; ++id) ASSERT_EQ(table.find(id << 1), nullptr) << id;
  bool inserted = false;
  ASSERT_NE(table.find_or_insert(42, inserted), nullptr);
  EXPECT_TRUE(inserted);
}

}  // namespace
}  // namespace concheck::race
