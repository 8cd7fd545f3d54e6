// The `concheck analyze` subcommand; see cli_analyze.hpp.
#include "cli_analyze.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <thread>

#include "analysis.hpp"
#include "ast_util.hpp"
#include "cli_options.hpp"
#include "compile_db.hpp"
#include "nolint.hpp"
#include "output.hpp"
#include "parse_costs.hpp"
#include "parse_pool.hpp"
#include "progress.hpp"
#include "source_check.hpp"
#include "walk_warnings.hpp"

namespace concheck::analyzer {
namespace {

int usage_error(const std::string& message) {
  fmt::print(stderr, "concheck analyze: error: {}\n", message);
  return kExitError;
}

void print_rules() {
  for (const auto& r : rules())
    fmt::print("concheck-{}{}\n    {}\n", r.name, r.enabled_by_default ? "" : " (off by default)",
               r.short_description);
}

void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int run_analyze_command(const std::vector<std::string>& args) {
  auto parsed = parse_analyze_options(args);
  if (auto* error = std::get_if<std::string>(&parsed)) return usage_error(*error);
  auto& options = std::get<analyze_options>(parsed);
  if (options.help) {
    write_stdout(analyze_help());
    return kExitClean;
  }
  if (options.list_checks) {
    print_rules();
    return kExitClean;
  }
  auto checks = resolve_checks(options.checks);
  if (auto* error = std::get_if<std::string>(&checks)) return usage_error(*error);
  const auto& enabled = std::get<std::set<std::string>>(checks);
  if (options.files.empty() && !options.build_dir)
    return usage_error("no input files (give source files, or -p BUILD_DIR; see concheck analyze --help)");

  auto start = std::chrono::steady_clock::now();
  compile_jobs jobs = options.build_dir
                          ? jobs_from_database(*options.build_dir, options.files, options.extra_flags)
                          : jobs_from_files(options.files, options.extra_flags);
  for (const auto& e : jobs.errors) fmt::print(stderr, "{}\n", e);
  if (jobs.fatal) return kExitError;

  {
    CXIndex probe = clang_createIndex(0, 0);
    std::string problem = check_builtin_headers(probe);
    clang_disposeIndex(probe);
    if (!problem.empty()) {
      fmt::print(stderr, "concheck analyze: {}\n", problem);
      return kExitError;
    }
  }

  parse_settings settings;
  settings.jobs = options.jobs != 0 ? options.jobs : std::max(1U, std::thread::hardware_concurrency());
  settings.use_pch = options.use_pch;
  settings.skip_header_bodies = !options.full_parse;
  settings.max_file_size = options.max_file_size;
  settings.analysis.enabled_rules = enabled;
  settings.analysis.raw_unprotected_writes = options.raw_unprotected_writes;
  settings.extract = !enabled.empty();
  settings.limits.seconds = options.file_time_limit;
  settings.limits.memory_mib = options.file_memory_limit;

  std::vector<parse_result> results;
  parse_stats stats;
  {
    progress_line progress(jobs.jobs.size(), options.progress);
    results = parse_all(jobs.jobs, settings, progress, &stats);
  }

  std::vector<std::string> errors = jobs.errors;
  std::vector<tu_facts_ptr> facts;
  unsigned with_pch = 0;
  unsigned fell_back = 0;
  std::size_t analyzed = 0;
  for (auto& r : results) {
    analyzed += r.error.empty() ? 1 : 0;
    if (!r.error.empty()) {
      fmt::print(stderr, "{}\n", r.error);
      errors.push_back(r.error);
    }
    for (auto& f : r.facts) facts.push_back(std::move(f));
    with_pch += r.used_pch ? 1 : 0;
    fell_back += r.fell_back ? 1 : 0;
  }

  const std::vector<note> warnings = walk_warnings(facts);

  std::vector<diagnostic> diagnostics;
  if (!facts.empty() && !enabled.empty()) {
    try {
      diagnostics = analyze(facts, settings.analysis);
    } catch (const std::exception& e) {
      fmt::print(stderr, "concheck analyze: internal error in the analysis: {}\n", e.what());
      return kExitError;
    }
  }
  std::erase_if(diagnostics, [&](const diagnostic& d) { return !enabled.contains(d.rule); });
  diagnostics = remove_suppressed(std::move(diagnostics));

  std::error_code ec;
  output_context context;
  context.cwd = std::filesystem::current_path(ec).string();
  context.source_root = absolute_path(options.source_root.empty() ? context.cwd : options.source_root);
  context.errors = errors;
  context.warnings = warnings;
  for (const auto& w : warnings)
    fmt::print(stderr, "{}:{}:{}: warning: {} [concheck]\n", relative_if_under(w.where.file, context.cwd),
               w.where.line, w.where.column, w.message);
  switch (options.format) {
    case output_format::text:
      write_stdout(render_text(diagnostics, context));
      break;
    case output_format::json:
      write_stdout(render_json(diagnostics, context));
      break;
    case output_format::sarif:
      write_stdout(render_sarif(diagnostics, rules(), context));
      break;
  }

  if (options.stats) {
    const parse_result* largest = nullptr;
    const parse_result* slowest = nullptr;
    for (const auto& r : results) {
      if (largest == nullptr || r.memory_growth > largest->memory_growth) largest = &r;
      if (slowest == nullptr || r.seconds > slowest->seconds) slowest = &r;
    }
    if (largest != nullptr && settings.limits.enabled())
      fmt::print(
          stderr,
          "concheck analyze: per file: at most {:.1f} s ({}), at most {} MiB of memory ({}); limits {} s, "
          "{} MiB\n",
          slowest->seconds, jobs.jobs[static_cast<std::size_t>(slowest - results.data())].file,
          largest->memory_growth >> 20, jobs.jobs[static_cast<std::size_t>(largest - results.data())].file,
          settings.limits.seconds, settings.limits.memory_mib);
    fmt::print(stderr, "{}{}", costliest_files_text(jobs.jobs, results, settings.limits.enabled(), 8),
               cost_by_way_text(results, settings.limits.enabled()));
    fmt::print(stderr, "{}", fallback_reasons_text(jobs.jobs, results));
    if (stats.header_retries != 0)
      fmt::print(stderr,
                 "concheck analyze: {} header parses tried again after their file's system headers, {} of "
                 "them parsed\n",
                 stats.header_retries, stats.header_retries_parsed);
    if (stats.pch_with_libraries != 0)
      fmt::print(stderr,
                 "concheck analyze: {} of the precompiled headers also hold library headers their files "
                 "include\n",
                 stats.pch_with_libraries);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print(stderr,
               "concheck analyze: {} files ({} analyzed, {} with errors) in {:.2f} s with -j {}; "
               "{} precompiled headers built, {} files parsed with one; {} header parses, {} whole-file "
               "fallbacks, {} files parsed whole by choice; {} findings\n",
               jobs.jobs.size(), analyzed, errors.size(), seconds, settings.jobs, stats.pch_built, with_pch,
               stats.header_parses, fell_back, stats.parsed_whole, diagnostics.size());
  }
  if (!errors.empty()) return kExitError;
  return diagnostics.empty() ? kExitClean : kExitFindings;
}

std::string libclang_version() {
  std::string version = detail::to_string(clang_getClangVersion());
  return version.empty() ? "unknown" : version;
}

}  // namespace concheck::analyzer
