// concheck runtime: ThreadSanitizer's runtime linked by mistake (tsan_conflict.hpp).
// Nothing here allocates: see the header.
#include "tsan_conflict.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <string_view>

#include "start_error.hpp"

namespace concheck::race {
namespace {

struct search {
  char* path;
  std::size_t capacity;
  bool found;
};

void copy_cut(char* out, std::size_t capacity, const char* text) noexcept {
  if (capacity == 0) return;
  std::size_t n = std::strlen(text);
  if (n >= capacity) n = capacity - 1;
  std::memcpy(out, text, n);
  out[n] = '\0';
}

int find_libtsan_object(struct dl_phdr_info* info, size_t /*size*/, void* data) noexcept {
  const char* path = info->dlpi_name;
  if (path == nullptr || path[0] == '\0') return 0;
  const char* slash = std::strrchr(path, '/');
  const std::string_view base = slash != nullptr ? slash + 1 : path;
  if (!base.starts_with("libtsan") && !base.starts_with("libclang_rt.tsan")) return 0;
  auto* s = static_cast<search*>(data);
  copy_cut(s->path, s->capacity, path);
  s->found = true;
  return 1;
}

constexpr std::string_view kExplanation =
    "): its __tsan_* hooks and its malloc replace concheck's, so concheck would see no memory access and the "
    "process would crash at its first delete. Linking libtsan would replace concheck's hooks; use "
    "compile-only "
    "instrumentation: -fsanitize=thread on the compile step only, never on the link step (CMake: "
    "concheck_instrument(<target>); pkg-config: the instrument_cflags variable; docs/race.md). Stopping.";

}  // namespace

bool find_libtsan(char* path, std::size_t capacity) noexcept {
  search s{path, capacity, false};
  ::dl_iterate_phdr(find_libtsan_object, &s);
  if (s.found) return true;
  // clang++ -fsanitize=thread links the runtime statically into the
  // executable and exports its API: look for a symbol of it concheck never
  // defines and no compiler calls (TSan's interface for Java VMs).
  void* tsan_only = ::dlsym(RTLD_DEFAULT, "__tsan_java_init");
  if (tsan_only == nullptr) return false;
  Dl_info info{};
  const bool known =
      ::dladdr(tsan_only, &info) != 0 && info.dli_fname != nullptr && info.dli_fname[0] != '\0';
  copy_cut(path, capacity, known ? info.dli_fname : "the executable");
  return true;
}

void check_for_libtsan() noexcept {
  char module[512];
  if (!find_libtsan(module, sizeof module)) return;
  detail::stop_at_start({"ThreadSanitizer's runtime is linked into this program (", module, kExplanation});
}

namespace {
// Before every other constructor of the runtime (priority 101, the first
// allowed to programs): they allocate, and with TSan's malloc in the process
// concheck's own frees are what crash.
[[gnu::constructor(101)]] void check_for_libtsan_at_load() {
  check_for_libtsan();
}
}  // namespace

}  // namespace concheck::race
