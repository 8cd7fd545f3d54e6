// concheck runtime: an error that stops the process at start (start_error.hpp).
// Nothing here allocates: see the header.
#include "start_error.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace concheck::detail {
namespace {

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

}  // namespace

void stop_at_start(std::initializer_list<std::string_view> parts) noexcept {
  line_buffer line;
  line.json = json_format();
  if (line.json) {
    line.raw(R"({"schema_version":1,"record":"notice","level":"error","message":")");
  } else {
    line.raw("concheck: error: ");
  }
  for (std::string_view part : parts) line.escaped(part);
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

}  // namespace concheck::detail
