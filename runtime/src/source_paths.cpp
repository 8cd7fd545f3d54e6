// concheck runtime: where a relative source path is on disk (source_paths.hpp).
#include "source_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace concheck::detail {
namespace {

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string find_relative_source(std::string_view file, std::string_view module) {
  if (file.empty() || file.front() == '/') return {};
  std::string_view directory =
      module.substr(0, module.rfind('/') == std::string_view::npos ? 0 : module.rfind('/'));
  for (int level = 0; level <= kMaxSourceAncestors && !directory.empty(); ++level) {
    std::string candidate(directory);
    candidate += '/';
    candidate += file;
    if (is_regular_file(candidate)) return candidate;
    const std::size_t slash = directory.rfind('/');
    if (slash == std::string_view::npos || slash == 0) break;
    directory = directory.substr(0, slash);
  }
  std::string candidate(file);
  if (is_regular_file(candidate)) return candidate;
  return {};
}

}  // namespace concheck::detail
