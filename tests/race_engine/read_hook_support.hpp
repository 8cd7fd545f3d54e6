// Test support for the race engine's tests: a plain read as the
// __tsan_read1..8 hooks make it (runtime/src/race/access_fast_path.hpp):
// the inline check, then the engine from the cell it found. Call it on a
// thread with a race context (race_test_support.hpp's worker).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "race/access_fast_path.hpp"
#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/shadow_memory.hpp"

namespace concheck::race::testing {

inline void hook_read(std::uintptr_t at, std::size_t size, std::uintptr_t pc) {
  thread_context* self = current_context();
  ASSERT_NE(self, nullptr);
  ASSERT_NE(shadow_cell_for(at), nullptr);  // maps the chunk
  std::uintptr_t tagged_cell = 0;
  if (read_covered_in_current_epoch(at, size, tagged_cell)) return;
  ASSERT_NE(tagged_cell, 0u);
  read_past_fast_check(*self, tagged_cell, at, size, pc);
}

}  // namespace concheck::race::testing
