// NOLINT comments; see nolint.hpp.
#include "nolint.hpp"

#include <concheck/detector/glob.hpp>
#include <fstream>
#include <string_view>

namespace concheck::analyzer {
namespace {

enum class marker_kind { same_line, next_line, begin, end };

struct marker {
  marker_kind kind;
  std::vector<std::string> checks;  // empty = every check
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<marker> markers_in(std::string_view line) {
  std::vector<marker> out;
  for (std::size_t pos = line.find("NOLINT"); pos != std::string_view::npos;
       pos = line.find("NOLINT", pos + 1)) {
    std::string_view rest = line.substr(pos + 6);
    marker m{marker_kind::same_line, {}};
    if (rest.starts_with("NEXTLINE"))
      m.kind = marker_kind::next_line, rest.remove_prefix(8);
    else if (rest.starts_with("BEGIN"))
      m.kind = marker_kind::begin, rest.remove_prefix(5);
    else if (rest.starts_with("END"))
      m.kind = marker_kind::end, rest.remove_prefix(3);
    if (!rest.empty() && rest.front() == '(') {
      auto close = rest.find(')');
      if (close == std::string_view::npos) continue;  // malformed: suppresses nothing
      std::string_view list = rest.substr(1, close - 1);
      std::size_t start = 0;
      while (start <= list.size()) {
        auto comma = list.find(',', start);
        std::string item =
            trim(list.substr(start, comma == std::string_view::npos ? list.npos : comma - start));
        if (!item.empty()) m.checks.push_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (m.checks.empty()) continue;  // "NOLINT()" names nothing
    }
    out.push_back(std::move(m));
  }
  return out;
}

bool covers(const marker& m, const std::string& rule) {
  if (m.checks.empty()) return true;
  for (const auto& check : m.checks)
    if (detector::glob_match(check, "concheck-" + rule) || detector::glob_match(check, rule)) return true;
  return false;
}

}  // namespace

const std::vector<std::string>& nolint_filter::lines_of(const std::string& file) {
  auto [it, inserted] = files_.try_emplace(file);
  if (inserted) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      it->second.push_back(std::move(line));
    }
  }
  return it->second;
}

bool nolint_filter::suppressed(const diagnostic& d) {
  const auto& lines = lines_of(d.where.file);
  if (d.where.line == 0 || d.where.line > lines.size()) return false;
  std::size_t index = d.where.line - 1;
  for (const auto& m : markers_in(lines[index]))
    if (m.kind == marker_kind::same_line && covers(m, d.rule)) return true;
  if (index > 0)
    for (const auto& m : markers_in(lines[index - 1]))
      if (m.kind == marker_kind::next_line && covers(m, d.rule)) return true;
  // NOLINTBEGIN/END regions: count the open regions covering this rule; a
  // region includes the lines of its BEGIN and END comments.
  int open = 0;
  for (std::size_t i = 0; i <= index; ++i)
    for (const auto& m : markers_in(lines[i])) {
      if (!covers(m, d.rule)) continue;
      if (m.kind == marker_kind::begin)
        ++open;
      else if (m.kind == marker_kind::end && open > 0 && i < index)
        --open;
    }
  return open > 0;
}

std::vector<diagnostic> remove_suppressed(std::vector<diagnostic> diagnostics) {
  nolint_filter filter;
  std::vector<diagnostic> kept;
  kept.reserve(diagnostics.size());
  for (auto& d : diagnostics)
    if (!filter.suppressed(d)) kept.push_back(std::move(d));
  return kept;
}

}  // namespace concheck::analyzer
