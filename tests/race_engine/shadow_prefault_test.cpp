// shadow_prefault's huge groups (shadow_memory.hpp): a large write maps the
// shadow of every 512 KiB group wholly inside it as one 2 MiB-aligned
// region, a group with a chunk already mapped keeps that chunk and its
// records, and races are found on both as before.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <vector>

#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"

namespace concheck::race {
namespace {

using testing::kPcA;
using testing::kPcB;
using testing::take_races;
using testing::worker;

constexpr std::uintptr_t kGroup = kHugeGroupBytes;
constexpr std::uintptr_t kChunk = std::uintptr_t{1} << kChunkShift;
constexpr std::size_t kGroups = 2;

// Application memory of kGroups groups, group-aligned, whose shadow no
// earlier test mapped (shadow chunks stay installed after their memory is
// unmapped, and mmap reuses addresses: such regions are kept and skipped).
class fresh_groups {
 public:
  fresh_groups() {
    for (int attempt = 0; attempt < 64 && base_ == 0; ++attempt) {
      const std::size_t bytes = (kGroups + 1) * kGroup;
      void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (memory == MAP_FAILED) return;
      mappings_.push_back({memory, bytes});
      const std::uintptr_t base = (reinterpret_cast<std::uintptr_t>(memory) + kGroup - 1) & ~(kGroup - 1);
      bool unmapped = true;
      for (std::uintptr_t at = base; at < base + kGroups * kGroup; at += kChunk) {
        if (shadow_cell_if_mapped(at) != nullptr) unmapped = false;
      }
      if (unmapped) base_ = base;
    }
  }
  ~fresh_groups() {
    if (base_ != 0) reset_range(base_, kGroups * kGroup);
    for (const auto& [memory, bytes] : mappings_) munmap(memory, bytes);
  }
  fresh_groups(const fresh_groups&) = delete;
  fresh_groups& operator=(const fresh_groups&) = delete;
  std::uintptr_t base() const { return base_; }

 private:
  std::uintptr_t base_ = 0;
  std::vector<std::pair<void*, std::size_t>> mappings_;
};

class ShadowPrefault : public ::testing::Test {
 protected:
  void SetUp() override { take_races(); }
};

TEST_F(ShadowPrefault, ALargeWriteMapsEachWholeGroupAsOneAlignedRegion) {
  fresh_groups memory;
  ASSERT_NE(memory.base(), 0u) << "no application memory with unmapped shadow found";
  worker first, second;
  // From the middle of a granule before the first group to past the last.
  first.run([&] { write_range(memory.base() - 4, kGroups * kGroup + 8, kPcA); });
  for (std::size_t group = 0; group < kGroups; ++group) {
    const std::uintptr_t at = memory.base() + group * kGroup;
    const shadow_cell* cells = shadow_cell_if_mapped(at);
    ASSERT_NE(cells, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(cells) % (std::uintptr_t{1} << 21), 0u) << group;
    for (std::uintptr_t chunk = 1; chunk < kGroup / kChunk; ++chunk) {
      EXPECT_EQ(shadow_cell_if_mapped(at + chunk * kChunk), cells + chunk * kCellsPerChunk) << group;
    }
  }
  // Claimed for the writer: an unordered read of another thread races.
  second.run([&] { read(memory.base() + kGroup + 3 * kChunk + 16, 8, kPcB); });
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, first.id());
  EXPECT_TRUE(races[0].earlier.is_write);
}

TEST_F(ShadowPrefault, AGroupWithAMappedChunkKeepsItAndItsRecords) {
  fresh_groups memory;
  ASSERT_NE(memory.base(), 0u) << "no application memory with unmapped shadow found";
  const std::uintptr_t touched = memory.base() + 3 * kChunk + 8;
  worker first, second;
  first.run([&] { write(touched, 8, kPcA); });
  const shadow_cell* before = shadow_cell_if_mapped(touched);
  ASSERT_NE(before, nullptr);
  // A read of the whole group: its one mapped chunk stays as it was.
  second.run([&] { read_range(memory.base(), kGroup, kPcB); });
  EXPECT_EQ(shadow_cell_if_mapped(touched), before);
  const auto races = take_races();
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].earlier.thread_id, first.id());
  EXPECT_TRUE(races[0].earlier.is_write);
}

}  // namespace
}  // namespace concheck::race
