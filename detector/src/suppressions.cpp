// Suppressions: parsing `kind:pattern` files and matching findings against
// them; see suppressions.hpp for the syntax, cost and locking.
#include "concheck/detector/suppressions.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "concheck/detector/glob.hpp"
#include "concheck/detector/render.hpp"

namespace concheck::detector {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::string_view path_base_name(std::string_view path) {
  auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// A demangled C++ function name without its parameter list and qualifiers
// ("ns::cache::get(int) const" -> "ns::cache::get"), so that a rule names a
// function as users write it; the name itself when it has none (C functions).
std::string_view without_parameters(std::string_view function) {
  std::size_t end = function.size();
  while (end > 0 && function[end - 1] != ')') --end;  // " const", " &&", ...
  if (end == 0) return function;
  int depth = 0;
  for (std::size_t i = end; i-- > 0;) {
    if (function[i] == ')') ++depth;
    if (function[i] == '(' && --depth == 0) return i == 0 ? function : function.substr(0, i);
  }
  return function;
}

// Visits every name a rule can match: each site's own function and file, and
// every frame's function, file and module (plus base names of paths).
// Stops early when `visit` returns true.
template <typename Visit>
bool any_name(const finding& f, Visit visit) {
  auto path = [&](std::string_view p) { return !p.empty() && (visit(p) || visit(path_base_name(p))); };
  auto function = [&](std::string_view fn) {
    if (fn.empty()) return false;
    const std::string_view bare = without_parameters(fn);
    return visit(fn) || (bare.size() != fn.size() && visit(bare));
  };
  auto in_site = [&](const site& s) {
    if (function(s.function)) return true;
    if (path(s.file)) return true;
    for (const auto& fr : s.frames) {
      if (function(fr.function)) return true;
      if (path(fr.file) || path(fr.module)) return true;
    }
    return false;
  };
  for (const auto& s : f.sites) {
    if (in_site(s)) return true;
  }
  for (const auto& e : f.cycle) {
    if (in_site(e.acquired) || in_site(e.from_acquired)) return true;
  }
  for (const auto& st : f.states) {
    if (in_site(st.waiting_at)) return true;
  }
  // data-race: the raced global by name ("g_stats", also without "+8"), and
  // a heap block's allocation site.
  if (!f.memory.name.empty()) {
    const std::string_view name = f.memory.name;
    if (visit(name) || visit(name.substr(0, name.find('+')))) return true;
  }
  if (in_site(f.memory.allocated)) return true;
  return false;
}

}  // namespace

suppressions::parse_result suppressions::parse(std::string_view text, std::string_view source_name) {
  parse_result result;
  suppressions parsed;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    auto newline = text.find('\n');
    std::string_view raw = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](std::string message) {
      // Quotes the user's line, and ends up on a terminal: control bytes escaped.
      result.error = fmt::format("{}:{}: {}", source_name, line_number, printable(message));
      return result;
    };
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return fail(fmt::format("expected 'kind:pattern', got '{}'", line));
    }
    std::string_view kind_text = trim(line.substr(0, colon));
    std::string_view pattern = trim(line.substr(colon + 1));
    suppression_rule rule;
    if (kind_text == "race") {
      rule.kind = finding_kind::data_race;  // ThreadSanitizer's name, so its rules read the same
    } else if (kind_text != "*") {
      rule.kind = finding_kind_from_string(kind_text);
      if (!rule.kind) {
        return fail(
            fmt::format("unknown finding kind '{}' (use a kind such as lock-order-inversion, "
                        "deadlock, data-race, or * for any)",
                        kind_text));
      }
    }
    if (pattern.empty()) return fail(fmt::format("empty pattern after '{}:'", kind_text));
    rule.pattern = std::string(pattern);
    rule.source = fmt::format("{}:{}", source_name, line_number);
    parsed.rules_.push_back(std::move(rule));
  }
  result.value = std::move(parsed);
  return result;
}

suppressions::parse_result suppressions::load_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    parse_result result;
    result.error = fmt::format("{}: cannot read suppressions file: {}", path, std::strerror(errno));
    return result;
  }
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

const suppression_rule* suppressions::find_rule(const finding& f) const {
  for (const auto& rule : rules_) {
    if (rule.kind && *rule.kind != f.kind) continue;
    if (any_name(f, [&](std::string_view name) { return glob_match(rule.pattern, name); })) return &rule;
  }
  return nullptr;
}

bool suppressions::match(const finding& f) {
  const suppression_rule* rule = find_rule(f);
  if (rule == nullptr) return false;
  ++rules_[static_cast<std::size_t>(rule - rules_.data())].hits;
  return true;
}

std::size_t suppressions::suppressed_count() const noexcept {
  std::size_t total = 0;
  for (const auto& rule : rules_) total += rule.hits;
  return total;
}

std::string suppressions::summary() const {
  std::size_t total = suppressed_count();
  if (total == 0) return {};
  std::string out = fmt::format("concheck: suppressed {} finding{}:", total, total == 1 ? "" : "s");
  bool first = true;
  for (const auto& rule : rules_) {
    if (rule.hits == 0) continue;
    // The pattern is the user's bytes, and the summary goes to a terminal.
    out += fmt::format("{} {} {}:{}", first ? "" : ",", rule.hits, rule.kind ? to_string(*rule.kind) : "*",
                       printable(rule.pattern));
    first = false;
  }
  out.push_back('\n');
  return out;
}

}  // namespace concheck::detector
