// Project headers parsed once per run; see parse_headers.hpp.
#include "parse_headers.hpp"

#include <fmt/format.h>

namespace concheck::analyzer {
namespace {

std::string take(CXString s) {
  const char* c = clang_getCString(s);
  std::string out = c != nullptr ? c : "";
  clang_disposeString(s);
  return out;
}

std::string path_of(CXFile file) {
  std::string real = take(clang_File_tryGetRealPathName(file));
  return real.empty() ? take(clang_getFileName(file)) : real;
}

struct visit_state {
  CXTranslationUnit tu;
  CXFile main_file;
  project_includes* out;
  std::set<std::string> seen;
};

}  // namespace

project_includes project_includes_of(CXTranslationUnit tu) {
  project_includes result;
  std::string main_name = take(clang_getTranslationUnitSpelling(tu));
  visit_state state{tu, clang_getFile(tu, main_name.c_str()), &result, {}};
  clang_getInclusions(
      tu,
      [](CXFile file, CXSourceLocation* stack, unsigned depth, CXClientData data) {
        auto& s = *static_cast<visit_state*>(data);
        if (depth == 0) return;  // the main file itself
        if (clang_Location_isInSystemHeader(clang_getLocation(s.tu, file, 1, 1)) != 0) return;
        std::string path = path_of(file);
        if (path.empty() || !s.seen.insert(path).second) return;
        s.out->all.push_back(path);
        // With a precompiled preamble the #include lines live in the loaded
        // preamble, where isFromMainFile() says no: compare the files instead.
        CXFile includer = nullptr;
        clang_getSpellingLocation(stack[0], &includer, nullptr, nullptr, nullptr);
        if (depth == 1 && includer != nullptr && s.main_file != nullptr && clang_File_isEqual(includer, s.main_file) != 0)
          s.out->top_level.push_back(path);
      },
      &state);
  return result;
}

bool header_registry::claim(const std::vector<std::string>& headers) {
  std::lock_guard<std::mutex> lock(mutex_);
  bool fresh = false;
  for (const auto& h : headers) fresh |= covered_.insert(h).second;
  return fresh;
}

std::string include_file_text(const std::vector<std::string>& headers) {
  std::string text = "// synthesized by concheck: the project headers of one translation unit\n";
  for (const auto& h : headers) text += fmt::format("#include \"{}\"\n", h);
  return text;
}

}  // namespace concheck::analyzer
