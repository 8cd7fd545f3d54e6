// concheck runtime, race engine: a weak report_race, so the runtime links
// while no part defines the real one. The integration's race_report.cpp (and
// the engine's unit tests' recorder) define the strong symbol, which wins.
#include "race/race_runtime.hpp"

namespace concheck::race {

__attribute__((weak)) void report_race(const race_event&) noexcept {}

}  // namespace concheck::race
