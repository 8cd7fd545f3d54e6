// The tests' race observer (race_engine.hpp): records every race the engine
// reports, whatever report_race the runtime is linked with.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "race/race_engine.hpp"
#include "race/race_runtime.hpp"
#include "race/race_spin_lock.hpp"
#include "race/shadow_memory.hpp"
#include "race_test_support.hpp"
#include "thread_registry.hpp"

namespace concheck::race {
namespace {
spin_lock g_lock;
std::vector<race_event>* g_events = new std::vector<race_event>();

void record(const race_event& event) noexcept {
  spin_guard guard(g_lock);
  g_events->push_back(event);
}

// Turns the engine on and installs the recorder before any test runs; with
// CONCHECK_TEST_SHADOW_LAYOUT=split every chunk the tests map is split
// (shadow_memory.hpp), so that the same tests check both layouts.
const bool g_enabled_for_tests = [] {
  const char* layout = std::getenv("CONCHECK_TEST_SHADOW_LAYOUT");
  if (layout != nullptr && std::strcmp(layout, "split") == 0) set_lazy_chunk_layout(kSplitLayout);
  set_race_observer(record);
  enable();
  return true;
}();
}  // namespace

namespace testing {

std::vector<race_event> take_races() {
  detail::inside_scope inside;
  spin_guard guard(g_lock);
  std::vector<race_event> taken;
  taken.swap(*g_events);
  return taken;
}

std::vector<std::pair<std::uintptr_t, location_state>> locations(std::uintptr_t begin, std::uintptr_t end) {
  std::vector<std::pair<std::uintptr_t, location_state>> found;
  for_each_location(
      begin, end,
      [](void* context, std::uintptr_t granule, const location_state& state) {
        static_cast<std::vector<std::pair<std::uintptr_t, location_state>>*>(context)->emplace_back(granule,
                                                                                                    state);
      },
      &found);
  return found;
}

std::uint64_t worker::id() {
  std::uint64_t id = 0;
  run([&id] { id = detail::current_thread()->state.id(); });
  return id;
}

}  // namespace testing
}  // namespace concheck::race
