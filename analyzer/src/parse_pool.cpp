// Parallel parsing and fact extraction; see parse_pool.hpp.
#include "parse_pool.hpp"

#include <clang-c/Index.h>
#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>
#include <utility>

#include "facts_wire.hpp"
#include "include_reach.hpp"
#include "include_scan.hpp"
#include "parse_diagnostics.hpp"
#include "parse_headers.hpp"
#include "parse_limits.hpp"
#include "parse_pch.hpp"
#include "source_check.hpp"

namespace concheck::analyzer {
namespace {

// Gives the memory of a disposed TU back to the system. libclang frees a
// TU's AST slabs to malloc, which keeps much of it (fragmented between smaller
// live blocks) in the worker thread's arena: gtest_unittest.cc's TU leaves
// 159 MB resident after disposal, 81 MB after a trim (measured). That does not
// lower the peak of one worker (the largest TU sets it), but it keeps idle and
// between-TU memory down, which adds up across workers with -j N. malloc_trim
// walks every arena (a few ms per TU).
void release_freed_memory() {
  ::malloc_trim(0);
}

// Owns a parsed TU; disposes of it at scope exit.
struct parsed_tu {
  CXTranslationUnit tu = nullptr;
  std::string error;
  parsed_tu() = default;
  parsed_tu(parsed_tu&& other) noexcept
      : tu(std::exchange(other.tu, nullptr)), error(std::move(other.error)) {}
  parsed_tu& operator=(parsed_tu&& other) noexcept {
    std::swap(tu, other.tu);
    error = std::move(other.error);
    return *this;
  }
  ~parsed_tu() {
    if (tu == nullptr) return;
    clang_disposeTranslationUnit(tu);
    release_freed_memory();
  }
  bool ok() const { return tu != nullptr && error.empty(); }
};

struct worker_context {
  CXIndex index;
  pch_cache* cache;
  header_registry* headers;
  const std::set<std::string>* main_files;  // every job's source, canonical
  std::atomic<unsigned>* header_parses;
  std::atomic<unsigned>* header_retries;
  std::atomic<unsigned>* header_retries_parsed;
  const parse_settings& settings;
};

// The synthesized file of a header parse: its name (next to the main file,
// so quoted includes resolve the same) and the command line parsing it.
struct synthesized_file {
  std::string name;
  std::vector<std::string> argv;
};

synthesized_file synthesized_for(const compile_job& job, const std::string& pch) {
  synthesized_file out;
  out.name = (std::filesystem::path(job.file).parent_path() /
              fmt::format("concheck-headers-of-{}", std::filesystem::path(job.file).filename().string()))
                 .string();
  compile_job synthesized = job;
  synthesized.argv.back() = out.name;
  // The synthesized file has a .cpp-less name: keep it C++ whatever the driver guesses.
  synthesized.argv.insert(synthesized.argv.end() - 1, {"-x", is_cplusplus_job(job) ? "c++" : "c"});
  out.argv = pch.empty() ? synthesized.argv : pch_cache::with_pch(synthesized, pch);
  return out;
}

// No detailed preprocessing record and no KeepGoing: a TU with an error is
// refused anyway, so stopping at the first fatal error is only faster.
parsed_tu parse_once(CXIndex index, const std::vector<std::string>& args, unsigned flags,
                     CXUnsavedFile* unsaved = nullptr) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  parsed_tu out;
  CXErrorCode code =
      clang_parseTranslationUnit2FullArgv(index, nullptr, argv.data(), static_cast<int>(argv.size()), unsaved,
                                          unsaved != nullptr ? 1 : 0, flags, &out.tu);
  if (code == CXError_Crashed)
    out.error = "libclang crashed while parsing it";
  else if (code != CXError_Success || out.tu == nullptr)
    out.error = fmt::format("libclang could not parse it (error {})", static_cast<int>(code));
  else
    out.error = first_parse_error(out.tu);
  return out;
}

bool extract_into(const worker_context& ctx, const compile_job& job, CXTranslationUnit tu,
                  parse_result& result) {
  if (!ctx.settings.extract) return true;
  try {
    result.facts.push_back(extract_facts(tu, ctx.settings.analysis));
    return true;
  } catch (const std::exception& e) {
    result.error = fmt::format("{}: error: internal error while analyzing: {}", job.file, e.what());
    result.facts.clear();
    return false;
  }
}

// The header a PCH was built from is no project header: it holds only
// system ones (standard and library headers, parse_pch.hpp).
void drop_pch_headers(const pch_cache& cache, project_includes& includes) {
  auto own = [&](const std::string& path) { return cache.is_own_header(path); };
  std::erase_if(includes.all, own);
  std::erase_if(includes.top_level, own);
}

// After a whole parse chosen by parse_whole_by_choice(): every header the TU
// includes had its bodies parsed and extracted with it, so no later TU needs
// a header parse for them.
void claim_parsed_whole(const worker_context& ctx, const std::string& pch, project_includes includes) {
  if (!pch.empty()) drop_pch_headers(*ctx.cache, includes);
  ctx.headers->claim(includes.all);
}

// Parses the bodies of the project headers a TU includes when this TU is the
// first to include one of them. False when they do not parse on their own,
// nor after the main file's system headers (include_file_text_after_system()).
bool cover_headers(const worker_context& ctx, const compile_job& job, const std::string& pch,
                   const project_includes& includes, parse_result& result) {
  if (includes.all.empty() || !ctx.headers->claim(includes.all)) return true;
  if (includes.top_level.empty()) {  // only reached through -include or the like
    result.fallback_reason = "header parse: its project headers are not included by the file itself";
    return false;
  }
  ++*ctx.header_parses;
  result.way = parse_way::header_parse;
  const synthesized_file file = synthesized_for(job, pch);
  std::string text = include_file_text(includes.top_level);
  CXUnsavedFile unsaved{file.name.c_str(), text.c_str(), static_cast<unsigned long>(text.size())};
  parsed_tu headers = parse_once(ctx.index, file.argv, CXTranslationUnit_None, &unsaved);
  if (headers.ok()) return extract_into(ctx, job, headers.tu, result);
  result.fallback_reason = "header parse: " + headers.error;
  if (includes.system_top_level.empty()) return false;
  headers = parsed_tu();
  ++*ctx.header_retries;
  text = include_file_text_after_system(includes.system_top_level, includes.top_level);
  unsaved = CXUnsavedFile{file.name.c_str(), text.c_str(), static_cast<unsigned long>(text.size())};
  headers = parse_once(ctx.index, file.argv, kSkipHeaderBodies, &unsaved);
  if (!headers.ok()) {
    result.fallback_reason += "; after its system headers: " + headers.error;
    return false;
  }
  ++*ctx.header_retries_parsed;
  return extract_into(ctx, job, headers.tu, result);
}

// The order workers take jobs in: largest source file first (longest
// processing time first). With -j N the long TUs start early instead of one
// of them running alone at the end, and the largest AST is built before the
// facts of the other TUs accumulate, which lowers one worker's memory peak
// (bench/analyzer/README.md). Ties keep job order.
std::vector<std::size_t> largest_first(const std::vector<compile_job>& jobs) {
  std::vector<std::pair<std::uintmax_t, std::size_t>> sized;
  sized.reserve(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    std::error_code ec;
    std::uintmax_t size = std::filesystem::file_size(jobs[i].file, ec);
    sized.emplace_back(ec ? 0 : size, i);
  }
  std::stable_sort(sized.begin(), sized.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::size_t> order;
  order.reserve(sized.size());
  for (const auto& entry : sized) order.push_back(entry.second);
  return order;
}

// `whole`: parse_whole_by_choice() chose a whole parse for this TU.
void run_job(const worker_context& ctx, const compile_job& job, bool whole, parse_result& result) {
  if (std::string problem = check_source_file(job.file, ctx.settings.max_file_size); !problem.empty()) {
    result.error = problem;
    return;
  }
  std::string pch = ctx.cache != nullptr ? ctx.cache->get(ctx.index, job) : std::string();
  const bool fast = ctx.settings.skip_header_bodies && !whole;
  if (whole) result.way = parse_way::whole;
  parsed_tu parsed = parse_once(ctx.index, pch.empty() ? job.argv : pch_cache::with_pch(job, pch),
                                fast ? kSkipHeaderBodies : unsigned{CXTranslationUnit_None});
  result.used_pch = !pch.empty() && parsed.ok();
  if (parsed.ok() && fast) {
    if (!ctx.settings.extract) return;  // every rule off: only the verdict on the parse matters
    result.way = parse_way::fast;
    if (!extract_into(ctx, job, parsed.tu, result)) return;
    project_includes includes = project_includes_of(parsed.tu, *ctx.main_files);
    if (!pch.empty()) drop_pch_headers(*ctx.cache, includes);
    ctx.headers->claim(includes.parsed_here);  // their bodies were just parsed and extracted
    parsed = parsed_tu();  // dispose of it first: two big ASTs at once would double the peak memory
    if (cover_headers(ctx, job, pch, includes, result)) return;
    if (!result.error.empty()) return;
    result.facts.clear();
    parsed =
        parse_once(ctx.index, pch.empty() ? job.argv : pch_cache::with_pch(job, pch), CXTranslationUnit_None);
    result.fell_back = true;
    result.way = parse_way::fell_back;
  } else if (!parsed.ok() && (fast || !pch.empty())) {
    // Never let a shortcut cause an error: the verdict is that of a plain parse.
    if (fast) result.fallback_reason = "fast parse: " + parsed.error;
    parsed = parse_once(ctx.index, job.argv, CXTranslationUnit_None);
    result.used_pch = false;
    result.fell_back = fast;
    if (fast) result.way = parse_way::fell_back;
  }
  if (!parsed.ok()) {
    result.error = fmt::format("{}: error: cannot analyze: {}", job.file, parsed.error);
    return;
  }
  if (!extract_into(ctx, job, parsed.tu, result)) return;
  if (whole && ctx.settings.extract)
    claim_parsed_whole(ctx, pch, project_includes_of(parsed.tu, *ctx.main_files));
}

// The work of run_job, each parse in a child process under the file limits
// (parse_limits.hpp). The steps and verdicts are run_job's; only the parses
// and extractions move to children, and what touches the run's shared state
// (the PCH cache, the header registry) stays in this worker thread.
class isolated_job {
 public:
  isolated_job(const worker_context& ctx, const compile_job& job, bool whole, parse_result& result)
      : ctx_(ctx), job_(job), whole_(whole), result_(result) {}

  void run() {
    if (std::string problem = check_source_file(job_.file, ctx_.settings.max_file_size); !problem.empty()) {
      result_.error = problem;
      return;
    }
    std::string pch = ctx_.cache != nullptr ? ctx_.cache->get(ctx_.index, job_) : std::string();
    const bool fast = ctx_.settings.skip_header_bodies && !whole_;
    if (whole_) result_.way = parse_way::whole;
    auto first = parse(pch.empty() ? job_.argv : pch_cache::with_pch(job_, pch),
                       fast ? kSkipHeaderBodies : unsigned{CXTranslationUnit_None}, nullptr, fast || whole_);
    if (!first) return;
    result_.used_pch = !pch.empty() && first->parsed;
    if (first->parsed && fast) {
      if (!ctx_.settings.extract) return;
      result_.way = parse_way::fast;
      if (!take_facts(*first)) return;
      project_includes includes{first->includes_all, first->includes_top_level, first->includes_parsed_here,
                                first->includes_system_top_level};
      if (!pch.empty()) drop_pch_headers(*ctx_.cache, includes);
      ctx_.headers->claim(includes.parsed_here);
      if (includes.all.empty() || !ctx_.headers->claim(includes.all)) return;
      if (!includes.top_level.empty()) {
        ++*ctx_.header_parses;
        result_.way = parse_way::header_parse;
        const synthesized_file file = synthesized_for(job_, pch);
        std::string text = include_file_text(includes.top_level);
        CXUnsavedFile unsaved{file.name.c_str(), text.c_str(), static_cast<unsigned long>(text.size())};
        auto headers = parse(file.argv, CXTranslationUnit_None, &unsaved, false);
        if (!headers) return;
        if (headers->parsed) {
          take_facts(*headers);
          return;
        }
        result_.fallback_reason = "header parse: " + headers->parse_error;
        if (!includes.system_top_level.empty()) {
          ++*ctx_.header_retries;
          text = include_file_text_after_system(includes.system_top_level, includes.top_level);
          unsaved = CXUnsavedFile{file.name.c_str(), text.c_str(), static_cast<unsigned long>(text.size())};
          headers = parse(file.argv, kSkipHeaderBodies, &unsaved, false);
          if (!headers) return;
          if (headers->parsed) {
            ++*ctx_.header_retries_parsed;
            take_facts(*headers);
            return;
          }
          result_.fallback_reason += "; after its system headers: " + headers->parse_error;
        }
      }
      result_.facts.clear();
      result_.fell_back = true;
      result_.way = parse_way::fell_back;
      first = parse(pch.empty() ? job_.argv : pch_cache::with_pch(job_, pch), CXTranslationUnit_None, nullptr,
                    false);
      if (!first) return;
    } else if (!first->parsed && (fast || !pch.empty())) {
      if (fast) result_.fallback_reason = "fast parse: " + first->parse_error;
      first = parse(job_.argv, CXTranslationUnit_None, nullptr, whole_);
      if (!first) return;
      result_.used_pch = false;
      result_.fell_back = fast;
      if (fast) result_.way = parse_way::fell_back;
    }
    if (!first->parsed) {
      result_.error = fmt::format("{}: error: cannot analyze: {}", job_.file, first->parse_error);
      return;
    }
    if (!take_facts(*first)) return;
    if (whole_ && ctx_.settings.extract)
      claim_parsed_whole(ctx_, pch,
                         {first->includes_all, first->includes_top_level, first->includes_parsed_here, {}});
  }

 private:
  // One parse (and extraction) in a child; nullopt when the child was
  // stopped or failed (result_.error then says why).
  std::optional<wire_result> parse(const std::vector<std::string>& args, unsigned flags,
                                   CXUnsavedFile* unsaved, bool want_includes) {
    auto work = [&]() -> std::string {
      parsed_tu parsed = parse_once(ctx_.index, args, flags, unsaved);
      wire_result w;
      w.parsed = parsed.ok();
      w.parse_error = parsed.error;
      if (w.parsed && ctx_.settings.extract) {
        try {
          w.facts.push_back(extract_facts(parsed.tu, ctx_.settings.analysis));
        } catch (const std::exception& e) {
          w.extract_error = e.what();
        }
      }
      if (w.parsed && want_includes && ctx_.settings.extract) {
        project_includes includes = project_includes_of(parsed.tu, *ctx_.main_files);
        w.includes_all = std::move(includes.all);
        w.includes_top_level = std::move(includes.top_level);
        w.includes_parsed_here = std::move(includes.parsed_here);
        w.includes_system_top_level = std::move(includes.system_top_level);
      }
      parsed.tu = nullptr;  // the process ends next: disposing of the AST would only cost time
      return encode_result(w);
    };
    isolated_outcome outcome = run_isolated(work, ctx_.settings.limits);
    result_.memory_growth = std::max(result_.memory_growth, outcome.growth);
    result_.cpu_seconds += outcome.charged_seconds;
    if (outcome.status != isolated_status::ok) {
      result_.error = limit_message(job_.file, outcome, ctx_.settings.limits);
      result_.facts.clear();
      return std::nullopt;
    }
    try {
      return decode_result(outcome.payload);
    } catch (const std::exception& e) {
      result_.error = fmt::format("{}: error: internal error while analyzing: {}", job_.file, e.what());
      result_.facts.clear();
      return std::nullopt;
    }
  }

  bool take_facts(wire_result& w) {
    if (!w.extract_error.empty()) {
      result_.error =
          fmt::format("{}: error: internal error while analyzing: {}", job_.file, w.extract_error);
      result_.facts.clear();
      return false;
    }
    for (auto& f : w.facts) result_.facts.push_back(std::move(f));
    return true;
  }

  const worker_context& ctx_;
  const compile_job& job_;
  bool whole_;
  parse_result& result_;
};

}  // namespace

std::vector<parse_result> parse_all(const std::vector<compile_job>& jobs, const parse_settings& settings,
                                    progress_line& progress, parse_stats* stats) {
  std::vector<parse_result> results(jobs.size());
  include_reach_scanner scanner;
  std::optional<pch_cache> cache;
  if (settings.use_pch) {
    cache.emplace();
    std::vector<std::vector<std::string>>
        libraries;  // what each main file includes of libraries (pch_libraries.hpp)
    if (settings.extract) {
      libraries.reserve(jobs.size());
      for (const auto& job : jobs)
        libraries.push_back(scanner.direct_libraries_of(job, settings.max_file_size));
    }
    cache->plan(jobs, libraries);
  }
  header_registry headers;
  std::set<std::string> main_files;
  for (const auto& job : jobs) {
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(job.file, ec);
    main_files.insert(ec ? job.file : canonical.string());
  }
  std::atomic<unsigned> header_parses{0};
  std::atomic<unsigned> header_retries{0};
  std::atomic<unsigned> header_retries_parsed{0};
  // The per-file choice of a whole parse (include_scan.hpp).
  std::vector<std::vector<std::string>> direct(jobs.size());
  if (settings.skip_header_bodies && settings.extract)
    for (std::size_t i = 0; i < jobs.size(); ++i)
      direct[i] = quoted_includes_of(jobs[i], main_files, settings.max_file_size);
  const include_counts counts = count_includes(direct);
  // The per-file choice of a whole parse by what a TU reaches (include_reach.hpp).
  std::vector<char> small(jobs.size(), 0);
  if (settings.skip_header_bodies && settings.extract) {
    for (std::size_t i = 0; i < jobs.size(); ++i)
      small[i] = parse_whole_by_size(scanner.reach_of(jobs[i], main_files, settings.max_file_size)) ? 1 : 0;
  }
  std::atomic<unsigned> parsed_whole{0};
  const std::vector<std::size_t> order = largest_first(jobs);
  std::atomic<std::size_t> next{0};
  unsigned threads = std::max(1U, std::min<unsigned>(settings.jobs, static_cast<unsigned>(jobs.size())));
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's allocator (GCC 12's libasan) is not fork-safe: a child
  // forked while another thread held its lock hangs in its first malloc until
  // the time limit. concheck's own sanitizer build (make test-sanitize) forks
  // from one worker only; release builds use glibc's malloc, which is.
  if (settings.limits.enabled()) threads = 1;
#endif
  // Every index is created before any worker can fork (parse_limits.hpp).
  std::vector<CXIndex> indexes;
  for (unsigned t = 0; t < threads; ++t)
    indexes.push_back(clang_createIndex(/*excludeDeclarationsFromPCH=*/0, /*displayDiagnostics=*/0));
  if (cache && settings.limits.enabled()) {
    const file_limits limits = settings.limits;
    cache->isolate([limits](const std::function<std::string()>& build) {
      isolated_outcome outcome = run_isolated(build, limits);
      return outcome.status == isolated_status::ok ? outcome.payload : std::string();
    });
  }
  std::atomic<unsigned> next_index{0};
  auto worker = [&] {
    CXIndex index = indexes[next_index++];
    worker_context ctx{index,           cache ? &*cache : nullptr, &headers, &main_files, &header_parses,
                       &header_retries, &header_retries_parsed,    settings};
    for (std::size_t n = next++; n < order.size(); n = next++) {
      const std::size_t i = order[n];
      auto start = std::chrono::steady_clock::now();
      const bool whole = settings.skip_header_bodies && settings.extract &&
                         (small[i] != 0 || parse_whole_by_choice(direct[i], counts, headers));
      if (whole) ++parsed_whole;
      if (settings.limits.enabled())
        isolated_job(ctx, jobs[i], whole, results[i]).run();
      else
        run_job(ctx, jobs[i], whole, results[i]);
      results[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress.done(jobs[i].file);
    }
  };
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  for (CXIndex index : indexes) clang_disposeIndex(index);
  if (stats != nullptr) {
    stats->pch_built = cache ? cache->built() : 0;
    stats->pch_with_libraries = cache ? cache->built_with_libraries() : 0;
    stats->header_parses = header_parses.load();
    stats->header_retries = header_retries.load();
    stats->header_retries_parsed = header_retries_parsed.load();
    stats->parsed_whole = parsed_whole.load();
  }
  return results;
}

}  // namespace concheck::analyzer
