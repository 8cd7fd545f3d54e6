// concheck runtime: naming unnamed locks at report time (lock_names.hpp).
#include "lock_names.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <unordered_map>

#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/lock_source_name.hpp"
#include "source_paths.hpp"
#include "symbolize.hpp"

namespace concheck::detail {
namespace {

constexpr std::size_t kMaxSourceBytes = std::size_t{16} << 20;  // a source file, not a data dump

constinit internal_lock g_lines_lock{lock_rank::source_lines};
// Allocated once and never freed: usable during static destruction.
std::unordered_map<std::string, std::string>& line_cache() {
  static auto* cache = new std::unordered_map<std::string, std::string>();
  return *cache;
}

// Line `line` (1-based) of `path`, without its newline; "" if unreadable.
std::string read_line(const std::string& path, int line) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  std::string current;
  int number = 1;
  char buffer[8192];
  std::size_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] == '\n') {
        if (number == line) {
          ::close(fd);
          return current;
        }
        ++number;
        current.clear();
      } else if (number == line) {
        current.push_back(buffer[i]);
      }
    }
    if (total > kMaxSourceBytes) break;
  }
  ::close(fd);
  return number == line ? current : std::string();
}

std::string cached_line(const std::string& path, int line) {
  const std::string key = path + ":" + std::to_string(line);
  {
    internal_guard guard(g_lines_lock);
    auto found = line_cache().find(key);
    if (found != line_cache().end()) return found->second;
  }
  std::string text = read_line(path, line);
  internal_guard guard(g_lines_lock);
  line_cache().emplace(key, text);
  return text;
}

bool is_concheck_primitive(const detector::lock_ref& lock) {
  return lock.type.rfind("concheck::", 0) == 0;
}

}  // namespace

void name_unnamed_lock(detector::lock_ref& lock) noexcept {
  if (!lock.name.empty()) return;
  try {
    std::string symbol = data_symbol_name(lock.address);
    if (!symbol.empty()) {
      lock.variable = std::move(symbol);
      lock.variable_from = "symbol";
      return;
    }
    if (is_concheck_primitive(lock) || lock.created.file.empty() || lock.created.line <= 0) return;
    std::string text = cached_line(lock.created.file, lock.created.line);
    // Debug info may record a path relative to the compiler's directory
    // (../../src/x.cpp): look for it from the module's directory up
    // (source_paths.hpp).
    if (text.empty() && lock.created.file.front() != '/') {
      for (const detector::frame& f : lock.created.frames) {
        if (f.internal || f.file != lock.created.file) continue;
        const std::string found = find_relative_source(lock.created.file, f.module);
        if (!found.empty()) text = cached_line(found, lock.created.line);
        break;
      }
    }
    if (text.empty()) return;
    std::string expression = detector::lock_expression(text, lock.created);
    if (expression.empty()) return;
    lock.variable = std::move(expression);
    lock.variable_from = "source";
  } catch (...) {
  }
}

void lock_names_after_fork_child() noexcept {
  g_lines_lock.reset_after_fork();
}

}  // namespace concheck::detail
