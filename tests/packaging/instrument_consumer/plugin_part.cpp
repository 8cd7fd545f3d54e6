// A module the program loads with dlopen(), instrumented with
// concheck_instrument(racy_plugin STATIC): it links no runtime, its hooks bind
// when it is loaded to those the executable exports. Two threads add to
// `plugin_total` (2 bytes, so __tsan_read2/__tsan_write2, which nothing on
// the executable's link line calls) with no lock: a data race concheck
// reports at this file's lines. The atomic counter calls a hook of its own.
#include <atomic>
#include <thread>

short plugin_total = 0;
std::atomic<int> plugin_calls{0};

extern "C" int plugin_part_race() {
  plugin_calls.fetch_add(1);
  std::thread one([] { plugin_total += 1; });
  std::thread two([] { plugin_total += 2; });
  one.join();
  two.join();
  return plugin_total;
}
