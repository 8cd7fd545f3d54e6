// The per-file choice of a whole parse by what a TU reaches; see include_reach.hpp.
#include "include_reach.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "body_bytes.hpp"
#include "include_scan.hpp"

namespace concheck::analyzer {
namespace {

namespace fs = std::filesystem;

// The C library's and the kernel's folders below a system folder: their
// headers are declarations, not library code with bodies. A name matches
// when the folder is it or starts with it (`netinet`, `rpcsvc`, `asm-generic`).
constexpr std::array<std::string_view, 9> kCLibraryFolders = {"bits", "sys", "asm", "linux", "net",
                                                              "arpa", "rpc", "gnu", "scsi"};

std::string reach_canonical(const fs::path& path) {
  std::error_code ec;
  fs::path canonical = fs::canonical(path, ec);
  return ec ? path.lexically_normal().string() : canonical.string();
}

// The job's -iquote, -I and -isystem folders, each in command-line order
// (relative ones against the job's directory), canonical.
void reach_search_folders(const compile_job& job, std::vector<std::string>& quote,
                          std::vector<std::string>& angled, std::vector<std::string>& system) {
  for (std::size_t i = 0; i < job.argv.size(); ++i) {
    const std::string& arg = job.argv[i];
    for (auto [flag, into] :
         {std::pair{"-iquote", &quote}, std::pair{"-isystem", &system}, std::pair{"-I", &angled}}) {
      std::string_view f = flag;
      if (arg.rfind(f, 0) != 0) continue;
      std::string folder = arg.size() > f.size()     ? arg.substr(f.size())
                           : i + 1 < job.argv.size() ? job.argv[i + 1]
                                                     : std::string();
      if (!folder.empty()) into->push_back(reach_canonical(fs::path(job.directory) / folder));
      break;
    }
  }
}

bool is_under(const std::string& path, const std::string& folder) {
  return path.size() > folder.size() + 1 && path.compare(0, folder.size(), folder) == 0 &&
         path[folder.size()] == '/';
}

}  // namespace

include_reach_scanner::include_reach_scanner(std::vector<std::string> system_folders,
                                             std::uintmax_t max_body_bytes)
    : max_body_bytes_(max_body_bytes) {
  for (const auto& folder : system_folders) system_folders_.push_back(reach_canonical(folder));
}

std::vector<std::string> include_reach_scanner::default_system_folders() {
  std::vector<std::string> out;
  std::vector<std::string> candidates = {"/usr/local/include"};
#if defined(__x86_64__)
  candidates.push_back("/usr/include/x86_64-linux-gnu");
#elif defined(__aarch64__)
  candidates.push_back("/usr/include/aarch64-linux-gnu");
#endif
  candidates.push_back("/usr/include");
  for (const auto& folder : candidates) {
    std::error_code ec;
    if (fs::is_directory(folder, ec)) out.push_back(folder);
  }
  return out;
}

const include_reach_scanner::file_text& include_reach_scanner::read(const std::string& path) {
  auto [it, fresh] = files_.try_emplace(path);
  if (!fresh) return it->second;
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  std::string text(static_cast<std::size_t>(fs::file_size(path, ec)), '\0');
  if (ec) text.clear();
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  it->second.body_bytes = body_bytes(text);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (auto include = include_directive_of(text.substr(start, end - start)))
      it->second.includes.push_back({std::move(include->name), include->angled});
    start = end + 1;
  }
  return it->second;
}

include_reach_scanner::found include_reach_scanner::classify(const std::string& path,
                                                             const std::vector<std::string>& system) const {
  found out{path};
  std::error_code ec;
  out.size = fs::file_size(path, ec);
  if (ec) out.size = 0;
  for (const auto& folder : system) {
    if (!is_under(path, folder)) continue;
    out.system = true;
    std::string_view rest = std::string_view(path).substr(folder.size() + 1);
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return out;  // directly in the system folder
    std::string_view first = rest.substr(0, slash);
    out.library = true;
    for (std::string_view c : kCLibraryFolders)
      if (first.starts_with(c)) out.library = false;
    return out;
  }
  return out;
}

const include_reach_scanner::found& include_reach_scanner::resolve(const std::vector<std::string>& quote,
                                                                   const std::vector<std::string>& angled,
                                                                   const std::vector<std::string>& system,
                                                                   const std::string& from_folder,
                                                                   const include_line& line) {
  std::string key;
  for (const auto* list : {&quote, &angled, &system}) {
    for (const auto& f : *list) (key += f) += '\n';
    key += '\0';
  }
  (key += line.angled ? std::string() : from_folder) += '\0';
  key += line.name;
  auto [it, fresh] = resolved_.try_emplace(std::move(key));
  if (!fresh) return it->second;
  std::vector<const std::string*> folders;
  if (!line.angled) {
    folders.push_back(&from_folder);
    for (const auto& f : quote) folders.push_back(&f);
  }
  for (const auto& f : angled) folders.push_back(&f);
  for (const auto& f : system) folders.push_back(&f);
  for (const std::string* folder : folders) {
    std::error_code ec;
    fs::path candidate = fs::path(*folder) / line.name;
    if (!fs::is_regular_file(candidate, ec)) continue;
    it->second = classify(reach_canonical(candidate), system);
    break;
  }
  return it->second;
}

std::vector<std::string> include_reach_scanner::direct_libraries_of(const compile_job& job,
                                                                    std::size_t max_size) {
  std::vector<std::string> out;
  std::error_code error;
  if (!fs::is_regular_file(job.file, error) || fs::file_size(job.file, error) > max_size || error) return out;
  std::vector<std::string> quote, angled, system;
  reach_search_folders(job, quote, angled, system);
  system.insert(system.end(), system_folders_.begin(), system_folders_.end());
  const std::string main = reach_canonical(fs::path(job.directory) / job.file);
  const std::string folder = fs::path(main).parent_path().string();
  for (const include_line& line : read(main).includes) {
    const found& target = resolve(quote, angled, system, folder, line);
    if (target.library && std::find(out.begin(), out.end(), line.name) == out.end()) out.push_back(line.name);
  }
  return out;
}

include_reach include_reach_scanner::reach_of(const compile_job& job, const std::set<std::string>& main_files,
                                              std::size_t max_size) {
  include_reach reach;
  std::error_code error;
  if (!fs::is_regular_file(job.file, error) || fs::file_size(job.file, error) > max_size || error)
    return reach;
  std::vector<std::string> quote, angled, system;
  reach_search_folders(job, quote, angled, system);
  system.insert(system.end(), system_folders_.begin(), system_folders_.end());
  const std::string main = reach_canonical(fs::path(job.directory) / job.file);
  std::set<std::string> seen{main};
  std::vector<std::string> pending{main};
  while (!pending.empty()) {
    std::string file = std::move(pending.back());
    pending.pop_back();
    const std::string folder = fs::path(file).parent_path().string();
    for (const include_line& line : read(file).includes) {
      const found& target = resolve(quote, angled, system, folder, line);
      if (target.path.empty() || main_files.contains(target.path) || !seen.insert(target.path).second)
        continue;
      pending.push_back(target.path);
      if (target.system && !target.library) continue;  // the C library's and the kernel's headers
      (target.library ? reach.library_bytes : reach.project_bytes) += target.size;
      reach.body_bytes += read(target.path).body_bytes;
      if (reach.body_bytes > max_body_bytes_) {
        reach.within_budget = false;
        return reach;
      }
    }
  }
  return reach;
}

}  // namespace concheck::analyzer
