// concheck runtime, race engine: what the engine exposes beyond
// race_runtime.hpp, for tests and benchmarks. INTERNAL.
#pragma once

#include <cstdint>

namespace concheck::race {

// A snapshot of the engine's memory, for checks that it stays bounded.
struct engine_stats {
  std::uint32_t live_slots = 0;          // threads holding a slot now
  std::uint32_t slot_high_water = 0;     // slots ever used: the widest a vector clock can get
  std::uint64_t contexts = 0;            // thread contexts alive
  std::uint64_t vector_clock_bytes = 0;  // storage of every live vector clock
  std::uint64_t sync_clocks = 0;         // sync objects with a clock
  std::uint64_t final_clocks = 0;        // ended threads' clocks waiting for a joiner
  std::uint64_t read_sets = 0;           // read-shared granules' read sets in use
  std::uint64_t shadow_chunks = 0;       // 64 KiB-of-application shadow chunks mapped
  std::uint32_t locksets = 0;            // distinct non-empty locksets interned
};
engine_stats get_engine_stats() noexcept;

// Tests: while set, races go to `observer` instead of report_race (the
// engine's unit tests record them; the runtime proper's report_race may be
// linked in the same program). Null restores report_race.
struct race_event;
using race_observer = void (*)(const race_event& event) noexcept;
void set_race_observer(race_observer observer) noexcept;

}  // namespace concheck::race
