// A shared library that links libconcheck.so (concheck::runtime), as a
// library of a user's program may. Linked into the scenario program built
// with the static archive, it brings a second copy of the runtime into the
// process, which the runtime refuses at start (runtime/src/runtime_copies.hpp).
#include <concheck/registry.hpp>

extern "C" void shared_runtime_lib_name_thread(const char* name) {
  concheck::set_thread_name(name);
}
