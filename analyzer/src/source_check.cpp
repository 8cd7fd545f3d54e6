// Pre-parse checks of sources and of libclang's builtin headers; see source_check.hpp.
#include "source_check.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace concheck::analyzer {

std::string check_source_file(const std::string& path, std::size_t max_size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fmt::format("{}: error: cannot read: {}", path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fmt::format("{}: error: is a directory, not a source file", path);
  if (!S_ISREG(st.st_mode))
    return fmt::format("{}: error: not a regular file (a FIFO, socket or device)", path);
  if (static_cast<unsigned long long>(st.st_size) > max_size)
    return fmt::format(
        "{}: error: file too large to analyze ({} MiB; the limit is {} MiB, see --max-file-size)", path,
        (static_cast<unsigned long long>(st.st_size) + (1U << 20) - 1) >> 20, max_size >> 20);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fmt::format("{}: error: cannot read: {}", path, std::strerror(errno));
  char byte = 0;
  ssize_t got = ::read(fd, &byte, 1);
  int read_errno = errno;
  ::close(fd);
  if (got < 0) return fmt::format("{}: error: cannot read: {}", path, std::strerror(read_errno));
  return {};
}

std::string loaded_libclang_path() {
  Dl_info info{};
  // A function pointer converted for dladdr, which only compares addresses.
  void* symbol = reinterpret_cast<void*>(&clang_getClangVersion);
  if (::dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return {};
  return info.dli_fname;
}

std::string check_builtin_headers(CXIndex index) {
  static const char kProbeName[] = "/concheck-builtin-header-probe.c";
  static const char kProbe[] = "#include <stddef.h>\n";
  CXUnsavedFile unsaved{kProbeName, kProbe, sizeof(kProbe) - 1};
  // -nostdlibinc drops the system folders and keeps clang's builtin one, so
  // stddef.h can only come from where libclang looks for its builtins.
  const char* args[] = {"clang", "-xc", "-nostdlibinc", kProbeName};
  CXTranslationUnit tu = nullptr;
  CXErrorCode code =
      clang_parseTranslationUnit2FullArgv(index, nullptr, args, 4, &unsaved, 1, CXTranslationUnit_None, &tu);
  bool ok = code == CXError_Success && tu != nullptr;
  if (ok) {
    for (unsigned i = 0, n = clang_getNumDiagnostics(tu); i < n && ok; ++i) {
      CXDiagnostic d = clang_getDiagnostic(tu, i);
      if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) ok = false;
      clang_disposeDiagnostic(d);
    }
  }
  if (tu != nullptr) clang_disposeTranslationUnit(tu);
  if (ok) return {};

  std::string lib = loaded_libclang_path();
  std::string expected = "<libclang's folder>/clang/<version>/include";
  if (!lib.empty()) {
    // libclang derives its resource folder from the path it was loaded by,
    // symlinks not resolved: <that folder>/clang/<major>/include.
    auto dir = std::filesystem::path(lib).parent_path();
    expected = (dir / "clang" / "19" / "include").string();
  }
  return fmt::format(
      "error: clang's builtin headers (stddef.h) are missing: libclang ({}) looks for them in {} "
      "(at build time they were in {}). Install the Debian package libclang-common-19-dev.",
      lib.empty() ? "unknown path" : lib, expected, CONCHECK_LIBCLANG_BUILTIN_HEADERS);
}

}  // namespace concheck::analyzer
