// The per-file choice of a whole parse; see include_scan.hpp.
#include "include_scan.hpp"

#include <filesystem>
#include <fstream>
#include <optional>

namespace concheck::analyzer {
namespace {

namespace fs = std::filesystem;

// The folders quoted includes are searched in after the file's own: -iquote
// first, then -I, each in command-line order (relative ones against the
// job's directory).
// The -I folders alone (for angled names) start at `angled_from`.
std::vector<fs::path> search_folders(const compile_job& job, std::size_t& angled_from) {
  std::vector<fs::path> quote, angled;
  for (std::size_t i = 0; i < job.argv.size(); ++i) {
    const std::string& arg = job.argv[i];
    for (auto [flag, into] : {std::pair{"-iquote", &quote}, std::pair{"-I", &angled}}) {
      std::string_view f = flag;
      if (arg.rfind(f, 0) != 0) continue;
      std::string folder = arg.size() > f.size()     ? arg.substr(f.size())
                           : i + 1 < job.argv.size() ? job.argv[i + 1]
                                                     : std::string();
      if (!folder.empty()) into->push_back(fs::path(job.directory) / folder);
      break;
    }
  }
  angled_from = quote.size() + 1;  // after the file's own folder, put first by the caller
  quote.insert(quote.end(), angled.begin(), angled.end());
  return quote;
}

}  // namespace

std::optional<include_directive> include_directive_of(const std::string& line) {
  std::size_t at = line.find_first_not_of(" \t");
  if (at == std::string::npos || line[at] != '#') return std::nullopt;
  at = line.find_first_not_of(" \t", at + 1);
  if (at == std::string::npos || line.compare(at, 7, "include") != 0) return std::nullopt;
  at = line.find_first_not_of(" \t", at + 7);
  if (at == std::string::npos || (line[at] != '"' && line[at] != '<')) return std::nullopt;
  const bool angled = line[at] == '<';
  std::size_t end = line.find(angled ? '>' : '"', at + 1);
  if (end == std::string::npos || end == at + 1) return std::nullopt;
  return include_directive{line.substr(at + 1, end - at - 1), angled};
}

std::vector<std::string> quoted_includes_of(const compile_job& job, const std::set<std::string>& main_files,
                                            std::size_t max_size) {
  std::vector<std::string> out;
  std::error_code error;
  if (!fs::is_regular_file(job.file, error) || fs::file_size(job.file, error) > max_size || error) return out;
  std::ifstream in(job.file);
  if (!in) return out;
  std::size_t angled_from = 0;
  std::vector<fs::path> folders = search_folders(job, angled_from);
  folders.insert(folders.begin(), fs::path(job.file).parent_path());
  std::set<std::string> seen;
  for (std::string line; std::getline(in, line);) {
    auto include = include_directive_of(line);
    if (!include) continue;
    for (std::size_t f = include->angled ? angled_from : 0; f < folders.size(); ++f) {
      std::error_code ec;
      fs::path candidate = folders[f] / include->name;
      if (!fs::is_regular_file(candidate, ec)) continue;
      fs::path canonical = fs::canonical(candidate, ec);
      std::string path = ec ? candidate.lexically_normal().string() : canonical.string();
      if (!main_files.contains(path) && seen.insert(path).second) out.push_back(path);
      break;
    }
  }
  return out;
}

include_counts count_includes(const std::vector<std::vector<std::string>>& per_file) {
  include_counts counts;
  for (const auto& headers : per_file)
    for (const auto& h : headers) ++counts[h];
  return counts;
}

bool parse_whole_by_choice(const std::vector<std::string>& direct, const include_counts& counts,
                           const header_registry& covered) {
  bool uncovered = false;
  for (const auto& h : direct) {
    if (covered.covers(h)) continue;
    uncovered = true;
    auto it = counts.find(h);
    if (it != counts.end() && it->second > kWholeParseMaxIncluders) return false;
  }
  return uncovered;
}

}  // namespace concheck::analyzer
