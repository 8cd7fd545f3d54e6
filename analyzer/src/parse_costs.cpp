// The costliest files for --stats; see parse_costs.hpp.
#include "parse_costs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>

namespace concheck::analyzer {

const char* parse_way_name(parse_way way) {
  switch (way) {
    case parse_way::fast:
      return "fast";
    case parse_way::header_parse:
      return "header parse";
    case parse_way::whole:
      return "whole by choice";
    case parse_way::fell_back:
      return "fell back";
    case parse_way::plain:
      return "plain";
  }
  return "plain";
}

std::string costliest_files_text(const std::vector<compile_job>& jobs,
                                 const std::vector<parse_result>& results, bool cpu_known,
                                 std::size_t count) {
  auto cost = [&](std::size_t i) { return cpu_known ? results[i].cpu_seconds : results[i].seconds; };
  std::vector<std::size_t> order(std::min(jobs.size(), results.size()));
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::erase_if(order, [&](std::size_t i) { return results[i].seconds <= 0 && results[i].cpu_seconds <= 0; });
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return cost(a) > cost(b); });
  if (order.size() > count) order.resize(count);
  std::string text;
  if (order.empty()) return text;
  text +=
      fmt::format("concheck analyze: the {} costliest files (CPU s, wall s, how parsed):\n", order.size());
  for (std::size_t i : order)
    text += fmt::format("concheck analyze: {:>7} {:>7.1f}  {}: {}\n",
                        cpu_known ? fmt::format("{:.1f}", results[i].cpu_seconds) : std::string("-"),
                        results[i].seconds, parse_way_name(results[i].way), jobs[i].file);
  return text;
}

std::string cost_by_way_text(const std::vector<parse_result>& results, bool cpu_known) {
  constexpr std::array kWays = {parse_way::fast, parse_way::header_parse, parse_way::whole,
                                parse_way::fell_back, parse_way::plain};
  std::array<double, kWays.size()> cost{};
  std::array<std::size_t, kWays.size()> files{};
  for (const auto& r : results) {
    if (r.seconds <= 0 && r.cpu_seconds <= 0) continue;
    const auto way = static_cast<std::size_t>(r.way);
    cost[way] += cpu_known ? r.cpu_seconds : r.seconds;
    ++files[way];
  }
  std::string parts;
  for (std::size_t i = 0; i < kWays.size(); ++i) {
    if (files[i] == 0) continue;
    parts += fmt::format("{}{} {:.1f} ({} file{})", parts.empty() ? "" : ", ", parse_way_name(kWays[i]),
                         cost[i], files[i], files[i] == 1 ? "" : "s");
  }
  if (parts.empty()) return {};
  return fmt::format("concheck analyze: {} s by how parsed: {}\n", cpu_known ? "CPU" : "wall", parts);
}

std::string fallback_reasons_text(const std::vector<compile_job>& jobs,
                                  const std::vector<parse_result>& results) {
  std::string text;
  for (std::size_t i = 0; i < std::min(jobs.size(), results.size()); ++i)
    if (results[i].fell_back)
      text += fmt::format(
          "concheck analyze: fell back: {}: {}\n", jobs[i].file,
          results[i].fallback_reason.empty() ? "(no error recorded)" : results[i].fallback_reason);
  return text;
}

}  // namespace concheck::analyzer
