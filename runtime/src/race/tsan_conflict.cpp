// concheck runtime: ThreadSanitizer's runtime linked by mistake (tsan_conflict.hpp).
// Nothing here allocates: see the header.
#include "tsan_conflict.hpp"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

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

// CONCHECK_OPTIONS asks for JSON reports: its last `format=` item says json.
// (The option parser allocates; this reads the variable in place.)
bool json_format() noexcept {
  const char* options = std::getenv("CONCHECK_OPTIONS");
  if (options == nullptr) return false;
  bool json = false;
  const std::string_view all(options);
  std::size_t at = 0;
  while (at <= all.size()) {
    std::size_t end = all.find_first_of(": \t\n", at);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view item = all.substr(at, end - at);
    if (item.starts_with("format=")) json = item == "format=json";
    at = end + 1;
  }
  return json;
}

// A fixed buffer the message is assembled in; `json` escapes what goes in.
struct line_buffer {
  char text[2048];
  std::size_t used = 0;
  bool json = false;

  void raw(std::string_view part) noexcept {
    for (char c : part) put(c);
  }
  void put(char c) noexcept {
    if (used + 1 < sizeof text) text[used++] = c;
  }
  void escaped(std::string_view part) noexcept {
    if (!json) return raw(part);
    for (char c : part) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        put('\\');
        put(c);
      } else if (byte < 0x20) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\u%04x", byte);
        raw(hex);
      } else {
        put(c);
      }
    }
  }
};

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
  line_buffer line;
  line.json = json_format();
  if (line.json) {
    line.raw(R"({"schema_version":1,"record":"notice","level":"error","message":")");
  } else {
    line.raw("concheck: error: ");
  }
  line.escaped("ThreadSanitizer's runtime is linked into this program (");
  line.escaped(module);
  line.escaped(kExplanation);
  if (line.json) {
    char pid[48];
    std::snprintf(pid, sizeof pid, R"(","pid":%d})", static_cast<int>(::getpid()));
    line.raw(pid);
  }
  line.put('\n');
  std::size_t written = 0;
  while (written < line.used) {
    const ssize_t n = ::write(STDERR_FILENO, line.text + written, line.used - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::_exit(2);
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
