// An instrumented shared library the program loads with dlopen()
// (race_libraries_test.cpp): two threads increment `dlopened_library_hits`
// with nothing ordering them, a data race reported with this file's lines.
// It links no runtime: its __tsan_* hooks bind, when it is loaded, to the
// program's (libconcheck.so, or the executable's copy of
// libconcheck_static.a, which exports them).
#include <atomic>
#include <thread>

// 2 bytes: the hooks it calls, __tsan_read2 and __tsan_write2, are not among
// those the libraries on the executable's link line call (which the linker
// exports anyway), so the static runtime's export is what provides them.
short dlopened_library_hits = 0;
// An atomic hook (__tsan_atomic32_fetch_add) that nothing on the link line
// calls: the executable holds it only because the static runtime's link
// options pull in every hook object.
std::atomic<int> dlopened_library_calls{0};

extern "C" void dlopened_library_race() {
  dlopened_library_calls.fetch_add(1);
  std::thread one([] { ++dlopened_library_hits; });
  std::thread two([] { ++dlopened_library_hits; });
  one.join();
  two.join();
}
