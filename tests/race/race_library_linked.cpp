// An instrumented shared library of the program, linked at start
// (race_libraries_test.cpp): two threads increment `linked_library_hits` with
// nothing ordering them, a data race reported with this file's lines. It
// links no runtime: its __tsan_* hooks are the program's (libconcheck.so, or
// the executable's own copy of libconcheck_static.a, which exports them).
#include <thread>

int linked_library_hits = 0;

extern "C" void linked_library_race() {
  std::thread one([] { ++linked_library_hits; });
  std::thread two([] { ++linked_library_hits; });
  one.join();
  two.join();
}
