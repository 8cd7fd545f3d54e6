// Warnings for truncated AST walks; see walk_warnings.hpp.
#include "walk_warnings.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ast_walker.hpp"
#include "facts.hpp"

namespace concheck::analyzer {

std::vector<note> walk_warnings(const std::vector<tu_facts_ptr>& facts) {
  std::vector<note> out;
  for (const auto& tu : facts) {
    if (!tu) continue;
    for (const auto& [id, f] : tu->functions)
      for (const auto& where : f.walk_cuts)
        out.push_back({where, fmt::format("code nested here in '{}' was not analyzed: it is deeper than the "
                                          "analyzer follows ({} levels, fewer when the stack runs low)",
                                          f.display, detail::body_walker::kMaxWalkDepth)});
  }
  std::sort(out.begin(), out.end(), [](const note& a, const note& b) {
    if (a.where.file != b.where.file || a.where.line != b.where.line || a.where.column != b.where.column)
      return location_less(a.where, b.where);
    return a.message < b.message;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const note& a, const note& b) {
                          return a.where.file == b.where.file && a.where.line == b.where.line &&
                                 a.where.column == b.where.column;
                        }),
            out.end());
  return out;
}

}  // namespace concheck::analyzer
