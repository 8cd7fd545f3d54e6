// concheck runtime: one copy of the runtime per process (runtime_copies.hpp).
#include "runtime_copies.hpp"

#include <dlfcn.h>
#include <link.h>

#include <string_view>

#include "start_error.hpp"

// runtime_core.cpp. The executable's copy sets it to 1 once it has checked
// at load, before main(): a shared copy that finds it set was loaded later,
// by dlopen().
extern "C" int concheck_runtime_static_anchor;

namespace concheck::detail {
namespace {

constexpr const char* kAnchor = "concheck_runtime_static_anchor";

// The loaded object (executable or shared library) that holds `address`.
link_map* object_of(const void* address) noexcept {
  Dl_info info{};
  link_map* object = nullptr;
  if (::dladdr1(address, &info, reinterpret_cast<void**>(&object), RTLD_DL_LINKMAP) == 0) return nullptr;
  return object;
}

// This copy's object. Not &concheck_runtime_static_anchor: in a shared copy
// that address is the first definition the dynamic linker found (the
// variable is exported, so interposable), not necessarily its own.
link_map* own_object() noexcept {
  static const char own = 0;
  return object_of(&own);
}

// The main program heads the default namespace's list of loaded objects.
bool is_executable(const link_map* object) noexcept {
  return object != nullptr && object->l_prev == nullptr;
}

constexpr std::string_view kExplanation =
    ". Each copy keeps threads, locks and shadow memory of its own: each would see a part of the "
    "program, and races and lock orders between the parts would be missed. Link one runtime only: the static "
    "archive (concheck_instrument(<target> STATIC), concheck::runtime_static, libconcheck_static.a) "
    "with no shared library linking libconcheck.so, none loaded with dlopen() that does, and no "
    "LD_PRELOAD of libconcheck_preload.so (instrumented shared libraries link no runtime: "
    "concheck_instrument(<library> STATIC)), or libconcheck.so (concheck::runtime) everywhere "
    "(docs/race.md). Stopping.";

}  // namespace

void check_single_runtime_copy() noexcept {
  link_map* self = own_object();
  if (self == nullptr) return;
  const bool static_copy = is_executable(self);
  // The executable's copy looks past itself; a shared copy at what the
  // dynamic linker finds first (the executable's, when it exports it).
  void* anchor = ::dlsym(static_copy ? RTLD_NEXT : RTLD_DEFAULT, kAnchor);
  const link_map* other = anchor != nullptr ? object_of(anchor) : nullptr;
  if (other == nullptr || other == self) {
    if (static_copy) concheck_runtime_static_anchor = 1;  // the only copy so far: started
    return;
  }
  if (!static_copy && !is_executable(other)) return;  // two shared copies: one runtime
  const link_map* shared = static_copy ? other : self;
  const std::string_view file =
      shared->l_name != nullptr && shared->l_name[0] != '\0' ? shared->l_name : "a shared library";
  // A shared copy loaded after the executable's had started came with a
  // library loaded by dlopen(); at start, the shared copies load first.
  const bool loaded_later = !static_copy && *static_cast<const int*>(anchor) != 0;
  stop_at_start(
      {"two copies of concheck's runtime are in this process: one linked into the executable "
       "(libconcheck_static.a), one in ",
       file, loaded_later ? ", loaded with dlopen() after the program started" : "", kExplanation});
}

bool first_runtime_copy() noexcept {
  const void* anchor = ::dlsym(RTLD_DEFAULT, kAnchor);
  return anchor == nullptr || object_of(anchor) == own_object();
}

}  // namespace concheck::detail
