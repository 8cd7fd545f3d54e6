// Project headers parsed once per run; see parse_headers.hpp.
#include "parse_headers.hpp"

#include <fmt/format.h>

#include "ast_util.hpp"

namespace concheck::analyzer {
namespace {

std::string path_of(CXFile file) {
  std::string real = detail::to_string(clang_File_tryGetRealPathName(file));
  return real.empty() ? detail::to_string(clang_getFileName(file)) : real;
}

struct visit_state {
  CXTranslationUnit tu;
  CXFile main_file;
  const std::set<std::string>* main_files;
  project_includes* out;
  std::set<std::string> seen;
  std::set<std::string> listed;  // every file the inclusion list named, filtered or not
};

// The file holding `location` (its spelling), or null.
CXFile file_of(CXSourceLocation location) {
  CXFile file = nullptr;
  clang_getSpellingLocation(location, &file, nullptr, nullptr, nullptr);
  return file;
}

}  // namespace

project_includes project_includes_of(CXTranslationUnit tu, const std::set<std::string>& main_files) {
  project_includes result;
  std::string main_name = detail::to_string(clang_getTranslationUnitSpelling(tu));
  visit_state state{tu, clang_getFile(tu, main_name.c_str()), &main_files, &result, {}, {}};
  clang_getInclusions(
      tu,
      [](CXFile file, CXSourceLocation* stack, unsigned depth, CXClientData data) {
        auto& s = *static_cast<visit_state*>(data);
        s.listed.insert(path_of(file));
        if (depth == 0) return;  // the main file itself
        if (clang_Location_isInSystemHeader(clang_getLocation(s.tu, file, 1, 1)) != 0) return;
        std::string path = path_of(file);
        if (path.empty() || s.main_files->contains(path)) return;
        // stack[depth - 1] is the #include line in the main file; the file it
        // names is the top-level ancestor: skip what comes through a main file.
        for (unsigned level = 0; level + 1 < depth; ++level) {
          CXFile through = file_of(stack[level]);
          if (through != nullptr && s.main_files->contains(path_of(through))) return;
        }
        if (!s.seen.insert(path).second) return;
        s.out->all.push_back(path);
        // With a precompiled preamble the #include lines live in the loaded
        // preamble, where isFromMainFile() says no: compare the files instead.
        CXFile includer = file_of(stack[0]);
        if (depth == 1 && includer != nullptr && s.main_file != nullptr &&
            clang_File_isEqual(includer, s.main_file) != 0)
          s.out->top_level.push_back(path);
      },
      &state);
  // Top-level declarations from files the list never named: post-preamble includes.
  clang_visitChildren(
      clang_getTranslationUnitCursor(tu),
      [](CXCursor cursor, CXCursor, CXClientData data) {
        auto& s = *static_cast<visit_state*>(data);
        CXSourceLocation where = clang_getCursorLocation(cursor);
        if (clang_Location_isInSystemHeader(where) != 0 || clang_Location_isFromMainFile(where) != 0)
          return CXChildVisit_Continue;
        CXFile file = file_of(where);
        if (file == nullptr) return CXChildVisit_Continue;
        std::string path = path_of(file);
        if (path.empty() || s.listed.contains(path) || s.main_files->contains(path))
          return CXChildVisit_Continue;
        s.listed.insert(path);
        s.out->parsed_here.push_back(path);
        return CXChildVisit_Continue;
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

bool header_registry::covers(const std::string& header) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return covered_.contains(header);
}

std::string include_file_text(const std::vector<std::string>& headers) {
  std::string text = "// synthesized by concheck: the project headers of one translation unit\n";
  for (const auto& h : headers) text += fmt::format("#include \"{}\"\n", h);
  return text;
}

}  // namespace concheck::analyzer
