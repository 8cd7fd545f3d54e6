// A shared library of the program, instrumented with concheck_instrument(racy_lib
// STATIC): it links no runtime, its __tsan_* hooks are those of the executable
// that holds the static runtime. Two threads add to `lib_total` with no lock
// (a data race concheck reports at this file's lines).
#include <thread>

int lib_total = 0;

extern "C" int lib_part_race() {
  std::thread one([] { lib_total += 1; });
  std::thread two([] { lib_total += 2; });
  one.join();
  two.join();
  return lib_total;
}
