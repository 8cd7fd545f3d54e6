// racy_static_libs: the static runtime in the executable (concheck_instrument(
// racy_static_libs STATIC)), instrumented code in a shared library it links
// (lib_part.cpp) and in a module it loads with dlopen() (plugin_part.cpp, the
// path in argv[1]). Each library's race is reported at its own lines. Loads
// the module first, so that both are known when the first report is
// symbolized. Exit status 3 when the dlopen() fails (a hook not exported).
#include <dlfcn.h>

#include <cstdio>

extern "C" int lib_part_race();

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PLUGIN\n", argv[0]);
    return 2;
  }
  void* plugin = ::dlopen(argv[1], RTLD_NOW);
  if (plugin == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", ::dlerror());
    return 3;
  }
  auto* plugin_race = reinterpret_cast<int (*)()>(::dlsym(plugin, "plugin_part_race"));
  if (plugin_race == nullptr) {
    std::fprintf(stderr, "dlsym: %s\n", ::dlerror());
    return 3;
  }
  const int lib = lib_part_race();
  const int from_plugin = plugin_race();
  std::printf("consumer ran, instrumented with concheck: %d %d\n", lib, from_plugin);
  return 0;
}
