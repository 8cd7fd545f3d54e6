// Which library headers join a flag set's PCH; see pch_libraries.hpp.
#include "pch_libraries.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace concheck::analyzer {
namespace {

using header_counts = std::map<std::pair<std::string, std::string>, std::size_t>;  // (flags, header)

}  // namespace

std::string pch_library_key(const std::string& flags, std::vector<std::string> headers) {
  std::sort(headers.begin(), headers.end());
  std::string key = flags;
  for (const auto& h : headers) (key += '\n') += h;
  return key;
}

std::vector<std::vector<std::string>> pch_libraries_per_job(
    const std::vector<std::string>& flag_keys, const std::vector<std::vector<std::string>>& libraries) {
  const std::size_t n = std::min(flag_keys.size(), libraries.size());
  std::vector<std::vector<std::string>> out(flag_keys.size());
  header_counts includers;
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& h : libraries[i]) ++includers[{flag_keys[i], h}];
  auto common = [&](std::size_t i, const std::string& h) {
    return includers[{flag_keys[i], h}] >= kPchLibraryMinFiles;
  };
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& h : libraries[i])
      if (common(i, h)) out[i].push_back(h);
  // Shrink the largest of the groups too small for a PCH of their own by one
  // header, then group again, until every group is large enough or empty.
  // Largest first: a smaller group may then grow by the files that drop a
  // header into it.
  for (;;) {
    std::map<std::string, std::size_t> group_sizes;
    for (std::size_t i = 0; i < n; ++i)
      if (!out[i].empty()) ++group_sizes[pch_library_key(flag_keys[i], out[i])];
    auto small = [&](std::size_t i) {
      return !out[i].empty() && group_sizes[pch_library_key(flag_keys[i], out[i])] < kPchLibraryMinFiles;
    };
    std::size_t largest = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (small(i)) largest = std::max(largest, out[i].size());
    if (largest == 0) break;
    for (std::size_t i = 0; i < n; ++i) {
      if (!small(i) || out[i].size() != largest) continue;
      auto least =
          std::min_element(out[i].begin(), out[i].end(), [&](const std::string& a, const std::string& b) {
            const std::size_t ca = includers[{flag_keys[i], a}];
            const std::size_t cb = includers[{flag_keys[i], b}];
            return ca != cb ? ca < cb : a > b;
          });
      out[i].erase(least);
    }
  }
  return out;
}

}  // namespace concheck::analyzer
