// Reading a whole JSON Lines report; see json.hpp.
#include <fmt/format.h>

#include <istream>

#include "concheck/detector/json.hpp"

namespace concheck::detector {

findings_parse_result parse_findings_json_lines(std::istream& in, std::string_view name) {
  findings_parse_result result;
  std::vector<finding> findings;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = parse_finding_json(line);
    if (!parsed) {
      result.error = fmt::format("{}:{}: {}", name, number, parsed.error);
      return result;
    }
    findings.push_back(std::move(*parsed.value));
  }
  if (in.bad()) {
    result.error = fmt::format("{}: read error after line {}", name, number);
    return result;
  }
  result.value = std::move(findings);
  return result;
}

}  // namespace concheck::detector
