// The option table of `concheck analyze` and its parser; see cli_options.hpp.
#include "cli_options.hpp"

#include <fmt/format.h>

#include <charconv>
#include <concheck/detector/glob.hpp>
#include <string_view>

#include "analysis.hpp"

namespace concheck::analyzer {
namespace {

// Applies an option's value; returns an error message or "".
using apply_fn = std::string (*)(analyze_options&, std::string_view value);

struct option_spec {
  const char* long_name;   // "--format"
  const char* short_name;  // "-j", or nullptr
  const char* arg_name;    // "FMT"; nullptr for a flag without a value
  const char* help;
  apply_fn apply;
};

std::optional<unsigned long> parse_number(std::string_view text) {
  unsigned long value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

const option_spec kOptions[] = {
    {"--build-dir", "-p", "BUILD_DIR",
     "read compile_commands.json from BUILD_DIR; FILES then select its entries",
     [](analyze_options& o, std::string_view v) -> std::string {
       if (v.empty()) return "-p needs a build folder";
       o.build_dir = std::string(v);
       return {};
     }},
    {"--format", nullptr, "FMT", "output format: text (default), json (JSON Lines) or sarif (SARIF 2.1.0)",
     [](analyze_options& o, std::string_view v) -> std::string {
       if (v == "text")
         o.format = output_format::text;
       else if (v == "json")
         o.format = output_format::json;
       else if (v == "sarif")
         o.format = output_format::sarif;
       else
         return fmt::format("unknown format '{}' (expected text, json or sarif)", v);
       return {};
     }},
    {"--jobs", "-j", "N", "analyze N translation units in parallel (default: the number of cores)",
     [](analyze_options& o, std::string_view v) -> std::string {
       auto n = parse_number(v);
       if (!n || *n == 0 || *n > 1024) return fmt::format("-j needs a number from 1 to 1024, not '{}'", v);
       o.jobs = static_cast<unsigned>(*n);
       return {};
     }},
    {"--checks", nullptr, "LIST",
     "enable or disable rules, clang-tidy style: '-lock-order-inversion', '-*,unprotected-write'",
     [](analyze_options& o, std::string_view v) -> std::string {
       o.checks = o.checks.empty() ? std::string(v) : o.checks + "," + std::string(v);
       return {};
     }},
    {"--source-root", nullptr, "DIR",
     "SARIF locations are relative to DIR (%SRCROOT%; default: the current folder)",
     [](analyze_options& o, std::string_view v) -> std::string {
       if (v.empty()) return "--source-root needs a folder";
       o.source_root = std::string(v);
       return {};
     }},
    {"--max-file-size", nullptr, "MIB", "refuse sources larger than MIB mebibytes (default 64)",
     [](analyze_options& o, std::string_view v) -> std::string {
       auto n = parse_number(v);
       if (!n || *n == 0 || *n > (1UL << 20))
         return fmt::format("--max-file-size needs a number of MiB, not '{}'", v);
       o.max_file_size = static_cast<std::size_t>(*n) << 20;
       return {};
     }},
    {"--file-time-limit", nullptr, "SECONDS",
     "stop the work on one file after SECONDS of its CPU time, or of waiting asleep (default 120; 0: no "
     "limit)",
     [](analyze_options& o, std::string_view v) -> std::string {
       auto n = parse_number(v);
       if (!n || *n > 86400)
         return fmt::format("--file-time-limit needs a number of seconds from 0 to 86400, not '{}'", v);
       o.file_time_limit = static_cast<unsigned>(*n);
       return {};
     }},
    {"--file-memory-limit", nullptr, "MIB",
     "stop the work on one file when it needs more than MIB mebibytes (default 4096; 0: no limit)",
     [](analyze_options& o, std::string_view v) -> std::string {
       auto n = parse_number(v);
       if (!n || *n > (1UL << 24))
         return fmt::format("--file-memory-limit needs a number of MiB from 0 to 16777216, not '{}'", v);
       o.file_memory_limit = static_cast<std::size_t>(*n);
       return {};
     }},
    {"--no-pch", nullptr, nullptr,
     "parse every file from scratch instead of sharing a precompiled header of the standard headers",
     [](analyze_options& o, std::string_view) -> std::string {
       o.use_pch = false;
       return {};
     }},
    {"--full-parse", nullptr, nullptr,
     "parse the function bodies of the project's headers in every file (default: once per run)",
     [](analyze_options& o, std::string_view) -> std::string {
       o.full_parse = true;
       return {};
     }},
    {"--all-unprotected-writes", nullptr, nullptr,
     "report every write to shared data made without a lock (noisy; default: only writes that conflict)",
     [](analyze_options& o, std::string_view) -> std::string {
       o.raw_unprotected_writes = true;
       return {};
     }},
    {"--progress", nullptr, nullptr, "always show a progress line on stderr",
     [](analyze_options& o, std::string_view) -> std::string {
       o.progress = true;
       return {};
     }},
    {"--no-progress", nullptr, nullptr, "never show a progress line (default: on a terminal with many files)",
     [](analyze_options& o, std::string_view) -> std::string {
       o.progress = false;
       return {};
     }},
    {"--stats", nullptr, nullptr, "print a summary of files, time and precompiled headers on stderr",
     [](analyze_options& o, std::string_view) -> std::string {
       o.stats = true;
       return {};
     }},
    {"--list-checks", nullptr, nullptr, "list the rules with their descriptions and exit",
     [](analyze_options& o, std::string_view) -> std::string {
       o.list_checks = true;
       return {};
     }},
    {"--help", "-h", nullptr, "show this help and exit",
     [](analyze_options& o, std::string_view) -> std::string {
       o.help = true;
       return {};
     }},
};

const option_spec* find_long(std::string_view name) {
  for (const auto& spec : kOptions)
    if (name == spec.long_name) return &spec;
  return nullptr;
}

const option_spec* find_short(std::string_view name) {
  for (const auto& spec : kOptions)
    if (spec.short_name != nullptr && name == spec.short_name) return &spec;
  return nullptr;
}

}  // namespace

std::variant<analyze_options, std::string> parse_analyze_options(const std::vector<std::string>& args) {
  analyze_options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      options.extra_flags.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      options.files.push_back(arg);
      continue;
    }
    const option_spec* spec = nullptr;
    std::optional<std::string> value;
    if (arg.starts_with("--")) {
      auto eq = arg.find('=');
      spec = find_long(std::string_view(arg).substr(0, eq));
      if (eq != std::string::npos) value = arg.substr(eq + 1);
    } else {
      spec = find_short(std::string_view(arg).substr(0, 2));
      if (spec != nullptr && arg.size() > 2) {
        if (spec->arg_name == nullptr)
          spec = nullptr;  // "-hx" is not an option
        else
          value = arg.substr(arg[2] == '=' ? 3 : 2);  // "-j4", "-p=build"
      }
    }
    if (spec == nullptr) return fmt::format("unknown option '{}' (see concheck analyze --help)", arg);
    if (spec->arg_name == nullptr && value) return fmt::format("option '{}' takes no value", spec->long_name);
    if (spec->arg_name != nullptr && !value) {
      if (i + 1 >= args.size()) return fmt::format("option '{}' needs a value ({})", arg, spec->arg_name);
      value = args[++i];
    }
    std::string error = spec->apply(options, value ? std::string_view(*value) : std::string_view());
    if (!error.empty()) return error;
  }
  return options;
}

std::string analyze_help() {
  std::string out =
      "usage: concheck analyze [options] FILES... [-- compiler flags]\n"
      "       concheck analyze -p BUILD_DIR [options] [FILES...]\n\n"
      "Finds unprotected writes to shared data and inconsistent lock order in C++\n"
      "sources, without running them. Without -p, files are parsed with\n"
      "-std=c++20 -xc++ plus the flags after `--`.\n\noptions:\n";
  for (const auto& spec : kOptions) {
    std::string names = spec.short_name != nullptr ? fmt::format("{}, {}", spec.short_name, spec.long_name)
                                                   : fmt::format("    {}", spec.long_name);
    if (spec.arg_name != nullptr) names += fmt::format(" {}", spec.arg_name);
    out += fmt::format("  {:<30} {}\n", names, spec.help);
  }
  out +=
      "\nSuppress a finding with `// NOLINT(concheck-RULE)` on its line or\n"
      "`// NOLINTNEXTLINE(concheck-RULE)` on the line before (bare NOLINT: every rule).\n"
      "Exit status: 0 no findings, 1 findings, 2 usage error or a file that could not be analyzed.\n";
  return out;
}

std::variant<std::set<std::string>, std::string> resolve_checks(const std::string& checks) {
  std::set<std::string> enabled;
  for (const auto& rule : rules())
    if (rule.enabled_by_default) enabled.insert(rule.name);
  std::size_t start = 0;
  while (start <= checks.size()) {
    auto comma = checks.find(',', start);
    std::string item = checks.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? checks.size() + 1 : comma + 1;
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    bool disable = item.front() == '-';
    std::string pattern = disable ? item.substr(1) : item;
    if (pattern.starts_with("concheck-")) pattern.erase(0, 9);
    bool matched = false;
    for (const auto& rule : rules()) {
      if (!detector::glob_match(pattern, rule.name) &&
          !detector::glob_match(pattern, "concheck-" + rule.name))
        continue;
      matched = true;
      if (disable)
        enabled.erase(rule.name);
      else
        enabled.insert(rule.name);
    }
    // A glob that matches nothing (other tools' "-*,clang-analyzer-*") is fine;
    // a plain name that matches nothing is a typo worth stopping for.
    if (!matched && pattern.find('*') == std::string::npos)
      return fmt::format("unknown check '{}' in --checks (see concheck analyze --list-checks)", pattern);
  }
  return enabled;
}

}  // namespace concheck::analyzer
