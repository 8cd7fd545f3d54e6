// The race engine before detection is on (enable()): no thread context is
// made, so that a context is a sign that detection is on, which the read
// hooks' rest takes it for instead of testing enabled() at every read
// (runtime/src/race/tsan_hooks_access.cpp, read_rest; issue 12, race-rd24).
// A binary of its own: the engine's other tests turn detection on before
// any test runs (race_recorder.cpp), and nothing turns it off.
#include <gtest/gtest.h>

#include <cstdint>

#include "race/access_fast_path.hpp"
#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/tsan_hooks.hpp"

extern "C" void __tsan_read8(void* address);

namespace concheck::race {
namespace {

constexpr std::uintptr_t kPc = 0x401234;

TEST(RaceEngineBeforeEnable, MakesNoThreadContextAndRecordsNoRead) {
  ASSERT_FALSE(enabled());
  // The calls that made one before (current_site: an allocation's site).
  EXPECT_EQ(current_context(), nullptr);
  current_site(kPc);
  EXPECT_EQ(tls_context, nullptr);
  // A read hook: no context, so no cell handed on and nothing recorded.
  alignas(8) static std::uint64_t word = 0;
  __tsan_read8(&word);
  EXPECT_EQ(tls_context, nullptr);

  enable();
  EXPECT_NE(current_context(), nullptr) << "made once detection is on";
  __tsan_read8(&word);
  std::uintptr_t tagged_cell = 0;
  EXPECT_TRUE(read_covered_in_current_epoch(reinterpret_cast<std::uintptr_t>(&word), 8, tagged_cell))
      << "the read recorded";
}

}  // namespace
}  // namespace concheck::race
