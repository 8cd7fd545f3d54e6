// A program whose instrumented code is all in shared libraries
// (race_libraries_test.cpp): it is not instrumented itself, links
// race_library_linked.cpp's library and dlopen()s the library named by its
// argument, then runs the race of each. Built with the shared runtime and
// with the static one. Loads the library first, so that both are known when
// the first report is symbolized. Exit status 3 when dlopen() fails (the
// hooks it needs are not found), naming the missing symbol.
#include <dlfcn.h>

#include <cstdio>

extern "C" void linked_library_race();

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s LIBRARY_TO_DLOPEN\n", argv[0]);
    return 2;
  }
  void* library = ::dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", ::dlerror());
    return 3;
  }
  auto* dlopened_race = reinterpret_cast<void (*)()>(::dlsym(library, "dlopened_library_race"));
  if (dlopened_race == nullptr) {
    std::fprintf(stderr, "dlsym: %s\n", ::dlerror());
    return 3;
  }
  linked_library_race();
  dlopened_race();
  std::printf("race_libraries: done\n");
  return 0;
}
