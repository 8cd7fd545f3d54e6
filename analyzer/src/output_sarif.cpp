// SARIF 2.1.0 output for GitHub code scanning and other SARIF viewers; see output.hpp.
#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "output.hpp"

namespace concheck::analyzer {
namespace {

using json = nlohmann::ordered_json;

// Percent-encodes a path for a URI, keeping '/' and RFC 3986's unreserved set.
std::string uri_encode(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~' || c == '/';
    out += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  return out;
}

json artifact_location(const std::string& file, const std::string& root) {
  std::string relative = relative_if_under(file, root);
  if (relative != file) return {{"uri", uri_encode(relative)}, {"uriBaseId", "%SRCROOT%"}};
  return {{"uri", "file://" + uri_encode(file)}};
}

json physical_location(const location& where, const std::string& root) {
  json region = {{"startLine", std::max(1U, where.line)}};
  if (where.column > 0) region["startColumn"] = where.column;
  return {
      {"physicalLocation", {{"artifactLocation", artifact_location(where.file, root)}, {"region", region}}}};
}

// FNV-1a: a stable fingerprint of what the finding is (rule, file, message,
// notes' messages), deliberately without line numbers so that editing code
// above a finding does not make it look new.
std::string fingerprint(const diagnostic& d, const std::string& root) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) hash = (hash ^ c) * 0x100000001b3ULL;
    hash = (hash ^ 0xff) * 0x100000001b3ULL;
  };
  mix(d.rule);
  mix(relative_if_under(d.where.file, root));
  mix(d.message);
  for (const auto& n : d.notes) mix(n.message);
  return fmt::format("{:016x}", hash);
}

std::string camel_case(const std::string& rule) {
  std::string out;
  bool upper = true;
  for (char c : rule) {
    if (c == '-' || c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c) : c;
    upper = false;
  }
  return out;
}

}  // namespace

std::string render_sarif(const std::vector<diagnostic>& diagnostics, const std::vector<rule_info>& rules,
                         const output_context& context) {
  std::string root = context.source_root;
  if (!root.empty() && root.back() != '/') root += '/';

  json rule_list = json::array();
  std::map<std::string, std::size_t> rule_index;
  auto add_rule = [&](const std::string& id, const std::string& short_text, const std::string& help) {
    rule_index[id] = rule_list.size();
    rule_list.push_back({{"id", id},
                         {"name", camel_case(id)},
                         {"shortDescription", {{"text", short_text}}},
                         {"fullDescription", {{"text", help.empty() ? short_text : help}}},
                         {"help", {{"text", help.empty() ? short_text : help}}},
                         {"defaultConfiguration", {{"level", "warning"}}},
                         {"properties", {{"tags", {"concurrency", "correctness"}}, {"precision", "high"}}}});
  };
  for (const auto& r : rules) add_rule(r.name, r.short_description, r.help);
  for (const auto& d : diagnostics)
    if (!rule_index.contains(d.rule)) add_rule(d.rule, d.rule, "");

  json results = json::array();
  for (const auto& d : diagnostics) {
    json related = json::array();
    int id = 1;
    for (const auto& n : d.notes) {
      json loc = physical_location(n.where, root);
      loc["id"] = id++;
      loc["message"] = {{"text", n.message}};
      related.push_back(std::move(loc));
    }
    json result = {{"ruleId", d.rule},
                   {"ruleIndex", rule_index[d.rule]},
                   {"level", "warning"},
                   {"message", {{"text", d.message}}},
                   {"locations", json::array({physical_location(d.where, root)})}};
    if (!related.empty()) result["relatedLocations"] = std::move(related);
    result["partialFingerprints"] = {{"concheckFindingHash/v1", fingerprint(d, root)}};
    results.push_back(std::move(result));
  }

  json notifications = json::array();
  for (const auto& e : context.errors)
    notifications.push_back({{"level", e.find(": warning: ") != std::string::npos ? "warning" : "error"},
                             {"message", {{"text", e}}}});
  for (const auto& w : context.warnings)
    notifications.push_back({{"level", "warning"},
                             {"message", {{"text", w.message}}},
                             {"locations", json::array({physical_location(w.where, root)})}});

  json run = {{"tool",
               {{"driver",
                 {{"name", "concheck"},
                  {"version", CONCHECK_VERSION},
                  {"semanticVersion", CONCHECK_VERSION},
                  {"rules", std::move(rule_list)}}}}},
              {"invocations", json::array({{{"executionSuccessful", context.errors.empty()},
                                            {"toolExecutionNotifications", std::move(notifications)}}})},
              {"results", std::move(results)}};
  // informationUri is optional in SARIF; emitted only when the build names the project page.
  if (std::string_view(CONCHECK_INFORMATION_URI).size() > 0) {
    run["tool"]["driver"]["informationUri"] = CONCHECK_INFORMATION_URI;
  }
  if (!root.empty()) run["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", "file://" + uri_encode(root)}}}};
  json log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({std::move(run)})}};
  return log.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace concheck::analyzer
