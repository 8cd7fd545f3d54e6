// Project headers parsed once per run; see parse_headers.hpp.
#include "parse_headers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "ast_util.hpp"

namespace concheck::analyzer {
namespace {

std::string path_of(CXFile file) {
  std::string real = detail::to_string(clang_File_tryGetRealPathName(file));
  return real.empty() ? detail::to_string(clang_getFileName(file)) : real;
}

// One file of clang_getInclusions' list, with what the filters need from
// its inclusion stack (only valid inside the callback).
struct inclusion {
  CXFile file;
  std::string path;
  bool includer_system;    // its #include line is in a system header
  bool through_main_file;  // included through another main file of the run
  bool top_level;          // the main file itself includes it
  unsigned line;           // top-level: the line of its #include in the main file
};

struct visit_state {
  CXFile main_file;
  const std::set<std::string>* main_files;
  project_includes* out;
  std::vector<inclusion> inclusions;
  std::set<std::string> listed;          // every file the inclusion list named, filtered or not
  std::map<CXFile, bool> user_includer;  // per file: some #include line of it is in a user file
  std::map<CXFile, bool> system_file;    // per file asked: libclang's answer
};

// The file holding `location` (its spelling), or null.
CXFile file_of(CXSourceLocation location) {
  CXFile file = nullptr;
  clang_getSpellingLocation(location, &file, nullptr, nullptr, nullptr);
  return file;
}

// The headers spelled by the #include directives at `lines` (1-based, in
// order) of `text`; lines that are not plain directives are left out.
std::vector<std::string> spelled_includes_at(std::string_view text, const std::vector<unsigned>& lines) {
  std::vector<std::string> out;
  std::vector<unsigned> sorted = lines;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  unsigned number = 1;
  std::size_t begin = 0;
  for (unsigned wanted : sorted) {
    while (number < wanted && begin < text.size()) {
      std::size_t end = text.find('\n', begin);
      begin = end == std::string_view::npos ? text.size() : end + 1;
      ++number;
    }
    if (number != wanted || begin >= text.size()) break;
    std::size_t end = text.find('\n', begin);
    std::string header =
        spelled_include(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (!header.empty()) out.push_back(std::move(header));
  }
  return out;
}

}  // namespace

project_includes project_includes_of(CXTranslationUnit tu, const std::set<std::string>& main_files,
                                     unsigned* file_lookups) {
  project_includes result;
  std::string main_name = detail::to_string(clang_getTranslationUnitSpelling(tu));
  visit_state state{clang_getFile(tu, main_name.c_str()), &main_files, &result, {}, {}, {}, {}};
  clang_getInclusions(
      tu,
      [](CXFile file, CXSourceLocation* stack, unsigned depth, CXClientData data) {
        auto& s = *static_cast<visit_state*>(data);
        std::string path = path_of(file);
        s.listed.insert(path);
        if (depth == 0) return;  // the main file itself
        inclusion entry{file,  std::move(path), clang_Location_isInSystemHeader(stack[0]) != 0,
                        false, false,           0};
        s.user_includer[file] |= !entry.includer_system;
        // stack[depth - 1] is the #include line in the main file; the file it
        // names is the top-level ancestor: skip what comes through a main file.
        for (unsigned level = 0; level + 1 < depth && !entry.through_main_file; ++level) {
          CXFile through = file_of(stack[level]);
          entry.through_main_file = through != nullptr && s.main_files->contains(path_of(through));
        }
        // With a precompiled preamble the #include lines live in the loaded
        // preamble, where isFromMainFile() says no: compare the files instead.
        CXFile includer = file_of(stack[0]);
        entry.top_level = depth == 1 && includer != nullptr && s.main_file != nullptr &&
                          clang_File_isEqual(includer, s.main_file) != 0;
        if (entry.top_level) clang_getSpellingLocation(stack[0], nullptr, &entry.line, nullptr, nullptr);
        s.inclusions.push_back(std::move(entry));
      },
      &state);
  std::set<std::string> seen;
  std::vector<unsigned> system_lines;  // of the main file's #include lines naming system headers
  std::vector<std::pair<unsigned, std::string>> top_level;  // (line of its #include, path)
  for (const auto& entry : state.inclusions) {
    if (entry.path.empty() || main_files.contains(entry.path) || entry.through_main_file) continue;
    if (seen.contains(entry.path)) continue;
    // A file is a system header when it was found in a system folder or the
    // #include line that entered it lies in a system header (clang gives
    // each entry of a file the larger of the two characteristics). The second
    // is cheap to ask; the first needs the file's own location, which
    // libclang finds by a linear search of every entry of the TU's source
    // table (clang_getLocation: a few ms per file in a TU including Boost;
    // thrift's TestClient.cpp spent 3.5-4.5 s asking about each of its 1,254
    // files, more than its parse, and 0.3 s asking about 167). So it is asked
    // only about files some listed #include line of a user file names, once
    // per file; a file every listed #include line of which lies in a system
    // header is one.
    if (!state.user_includer[entry.file]) continue;
    auto [known, fresh] = state.system_file.try_emplace(entry.file, false);
    if (fresh) {
      if (file_lookups != nullptr) ++*file_lookups;
      known->second = clang_Location_isInSystemHeader(clang_getLocation(tu, entry.file, 1, 1)) != 0;
    }
    if (known->second) {
      if (entry.top_level) system_lines.push_back(entry.line);
      continue;
    }
    seen.insert(entry.path);
    result.all.push_back(entry.path);
    if (entry.top_level) top_level.emplace_back(entry.line, entry.path);
  }
  // In the main file's order: with a preamble, libclang's list is not (thrift's
  // ProcessorTest.cpp had Handlers.h before the server headers it needs).
  std::stable_sort(top_level.begin(), top_level.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [line, path] : top_level) result.top_level.push_back(std::move(path));
  if (!system_lines.empty() && state.main_file != nullptr) {
    std::size_t size = 0;
    const char* text = clang_getFileContents(tu, state.main_file, &size);
    if (text != nullptr)
      result.system_top_level = spelled_includes_at(std::string_view(text, size), system_lines);
  }
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

std::string spelled_include(std::string_view line) {
  auto skip_blanks = [&](std::size_t at) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    return at;
  };
  std::size_t at = skip_blanks(0);
  if (at >= line.size() || line[at] != '#') return {};
  at = skip_blanks(at + 1);
  constexpr std::string_view kInclude = "include";
  if (line.substr(at, kInclude.size()) != kInclude) return {};
  at = skip_blanks(at + kInclude.size());
  if (at >= line.size() || (line[at] != '<' && line[at] != '"')) return {};
  const char close = line[at] == '<' ? '>' : '"';
  std::size_t end = line.find(close, at + 1);
  if (end == std::string_view::npos || end == at + 1) return {};
  return std::string(line.substr(at, end - at + 1));
}

std::string include_file_text_after_system(const std::vector<std::string>& system,
                                           const std::vector<std::string>& headers) {
  std::string text =
      "// synthesized by concheck: the project headers of one translation unit, after its system headers\n";
  for (const auto& h : system) text += fmt::format("#include {}\n", h);
  text += "namespace concheck_end_of_preamble {}\n";
  for (const auto& h : headers) text += fmt::format("#include \"{}\"\n", h);
  return text;
}

std::string include_file_text(const std::vector<std::string>& headers) {
  std::string text = "// synthesized by concheck: the project headers of one translation unit\n";
  for (const auto& h : headers) text += fmt::format("#include \"{}\"\n", h);
  return text;
}

}  // namespace concheck::analyzer
