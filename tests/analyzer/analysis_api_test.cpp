// Tests of the analyses' interface (analysis.hpp) beyond the golden fixtures:
// the analyzer samples' verdicts, rule selection and the raw mode, the rule
// table and its documentation, merging facts across translation units, and
// extract_facts on several threads at once.
#include <clang-c/Index.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "analysis.hpp"

namespace fs = std::filesystem;
using namespace concheck::analyzer;

namespace {

fs::path source_dir() {
#ifdef CONCHECK_SOURCE_DIR
  return CONCHECK_SOURCE_DIR;
#else
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
#endif
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Which C++ library a test parses against: the stubs (stubs/README.md, a
// parse in milliseconds) unless it is about real code.
enum class std_headers { stubs, real };

// One parsed translation unit; parse errors fail the test.
class parsed_tu {
 public:
  parsed_tu(CXIndex index, const std::string& file, const std::string& contents = {},
            std_headers headers = std_headers::stubs) {
    std::vector<const char*> args = {"-std=c++20", "-xc++"};
    if (headers == std_headers::stubs)
      args.insert(args.end(), {"-nostdinc++", "-isystem", CONCHECK_ANALYZER_STUBS_DIR});
    CXUnsavedFile unsaved{file.c_str(), contents.c_str(), static_cast<unsigned long>(contents.size())};
    auto rc = clang_parseTranslationUnit2(index, file.c_str(), args.data(), static_cast<int>(args.size()),
                                          contents.empty() ? nullptr : &unsaved, contents.empty() ? 0 : 1,
                                          CXTranslationUnit_None, &tu_);
    EXPECT_EQ(rc, CXError_Success) << file;
    for (unsigned i = 0; tu_ != nullptr && i < clang_getNumDiagnostics(tu_); ++i) {
      CXDiagnostic d = clang_getDiagnostic(tu_, i);
      if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
        CXString text = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());
        ADD_FAILURE() << clang_getCString(text);
        clang_disposeString(text);
      }
      clang_disposeDiagnostic(d);
    }
  }
  ~parsed_tu() {
    if (tu_ != nullptr) clang_disposeTranslationUnit(tu_);
  }
  parsed_tu(const parsed_tu&) = delete;
  parsed_tu& operator=(const parsed_tu&) = delete;
  CXTranslationUnit get() const { return tu_; }

 private:
  CXTranslationUnit tu_ = nullptr;
};

struct index_holder {
  CXIndex index = clang_createIndex(0, 0);
  ~index_holder() { clang_disposeIndex(index); }
};

std::vector<diagnostic> analyze_sources(const std::vector<std::pair<std::string, std::string>>& sources,
                                        const analysis_options& options = {},
                                        std_headers headers = std_headers::stubs) {
  index_holder idx;
  std::vector<tu_facts_ptr> facts;
  for (const auto& [file, text] : sources) {
    parsed_tu tu(idx.index, file, text, headers);
    if (tu.get() != nullptr) facts.push_back(extract_facts(tu.get(), options));
  }
  return analyze(facts, options);
}

unsigned line_containing(const fs::path& file, const std::string& marker) {
  std::istringstream in(read_file(file));
  unsigned n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.find(marker) != std::string::npos) return n;
  }
  ADD_FAILURE() << marker << " not found in " << file;
  return 0;
}

// --- samples/analyzer: each buggy sample has exactly its bug, each fixed one is clean.

struct sample_case {
  const char* name;
  const char* marker;  // text on the line the diagnostic must point at; "" = clean
  const char* rule = "unprotected-write";
};

class analyzer_sample : public testing::TestWithParam<sample_case> {};

TEST_P(analyzer_sample, has_the_expected_verdict) {
  fs::path file = source_dir() / "samples" / "analyzer" / (std::string(GetParam().name) + ".cpp");
  ASSERT_TRUE(fs::exists(file)) << file;
  auto diags =
      analyze_sources({{file.string(), ""}}, {}, std_headers::real);  // the samples as users see them
  std::string marker = GetParam().marker;
  if (marker.empty()) {
    EXPECT_TRUE(diags.empty()) << diags.front().message;
    return;
  }
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].rule, GetParam().rule);
  EXPECT_EQ(diags[0].where.line, line_containing(file, marker));
}

INSTANTIATE_TEST_SUITE_P(
    samples, analyzer_sample,
    testing::Values(
        sample_case{"counter_race_buggy", "++counter;"}, sample_case{"counter_race_fixed", ""},
        sample_case{"bank_account_buggy", "the lock is missing here"}, sample_case{"bank_account_fixed", ""},
        sample_case{"lock_vs_rlock_buggy", "inner() locks state_lock_ again", "self-deadlock"},
        sample_case{"lock_vs_rlock_fixed", ""}, sample_case{"cache_stats_buggy", "the lock is missing here"},
        sample_case{"cache_stats_fixed", ""},
        sample_case{"monitor_wait_buggy", "the thread may not have started yet", "cv-wait-no-loop"},
        sample_case{"monitor_wait_fixed", ""}),
    [](const testing::TestParamInfo<sample_case>& param) { return std::string(param.param.name); });

// --- rule selection and the raw mode.

const char* const both_bugs = R"(
#include <mutex>
#include <thread>
std::mutex a, b;
int shared_value = 0;
void one() { std::lock_guard<std::mutex> x(a); std::lock_guard<std::mutex> y(b); shared_value = 1; }
void two() { std::lock_guard<std::mutex> y(b); std::lock_guard<std::mutex> x(a); }
void three() { shared_value = 2; }
int main() { std::thread t1(one), t2(two), t3(three); t1.join(); t2.join(); t3.join(); }
)";

TEST(analysis_options, default_set_runs_both_core_rules) {
  auto diags = analyze_sources({{"both.cpp", both_bugs}});
  std::vector<std::string> found;
  for (const auto& d : diags) found.push_back(d.rule);
  EXPECT_EQ(found, (std::vector<std::string>{"lock-order-inversion", "unprotected-write"}));
}

TEST(analysis_options, enabled_rules_select_exactly_those_rules) {
  analysis_options only_order;
  only_order.enabled_rules = {"lock-order-inversion"};
  auto diags = analyze_sources({{"both.cpp", both_bugs}}, only_order);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].rule, "lock-order-inversion");
}

TEST(analysis_options, raw_mode_reports_unlocked_writes_without_evidence_of_sharing) {
  const char* no_threads = R"(
int config = 0;
void set(int v) { config = v; }
)";
  EXPECT_TRUE(analyze_sources({{"raw.cpp", no_threads}}).empty());
  analysis_options raw;
  raw.raw_unprotected_writes = true;
  auto diags = analyze_sources({{"raw.cpp", no_threads}}, raw);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].rule, "unprotected-write");
  EXPECT_EQ(diags[0].where.line, 3u);
}

// --- the rule table.

TEST(analysis_rules, table_is_complete_and_documented) {
  const auto& table = rules();
  std::vector<std::string> names;
  for (const auto& r : table) {
    names.push_back(r.name);
    EXPECT_FALSE(r.short_description.empty()) << r.name;
    EXPECT_FALSE(r.help.empty()) << r.name;
  }
  auto sorted = names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "duplicate rule name";
  for (const char* core : {"unprotected-write", "lock-order-inversion"}) {
    auto it = std::find_if(table.begin(), table.end(), [&](const rule_info& r) { return r.name == core; });
    ASSERT_NE(it, table.end()) << core;
    EXPECT_TRUE(it->enabled_by_default) << core;
  }
  std::string docs = read_file(source_dir() / "docs" / "analyzer-checks.md");
  ASSERT_FALSE(docs.empty()) << "docs/analyzer-checks.md is missing";
  for (const auto& r : table) {
    EXPECT_NE(docs.find("## `" + r.name + "`"), std::string::npos)
        << "rule " << r.name << " has no section in docs/analyzer-checks.md";
    const std::string row = "| `" + r.name + "` | " + (r.enabled_by_default ? "on" : "off") + " |";
    EXPECT_NE(docs.find(row), std::string::npos)
        << "docs/analyzer-checks.md's rule table has no row starting " << row;
  }
  // And the page documents no rule that is not registered (a rule's section,
  // or a row of the rule table: "| `name` | on |").
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);) {
    const bool heading = line.rfind("## `", 0) == 0;
    const bool row = line.rfind("| `", 0) == 0 && (line.find("` | on |") != std::string::npos ||
                                                   line.find("` | off |") != std::string::npos);
    if (!heading && !row) continue;
    const auto open = line.find('`');
    const std::string name = line.substr(open + 1, line.find('`', open + 1) - open - 1);
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end())
        << "docs/analyzer-checks.md documents '" << name << "', which is no registered rule";
  }
}

TEST(analysis_rules, every_rule_runs_under_its_registered_name) {
  // One source that every rule flags once; each rule, enabled alone, must
  // report under its own name and nothing else.
  const char* source = R"(
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
std::mutex a, b, cv_m;
std::condition_variable cv;
int total = 0;
void ab() { std::lock_guard<std::mutex> g1(a); std::lock_guard<std::mutex> g2(b); ++total; }
void ba() { std::lock_guard<std::mutex> g1(b); std::lock_guard<std::mutex> g2(a); }
void unlocked() { ++total; }
void consumer() { std::unique_lock<std::mutex> l(cv_m); cv.wait(l); }
void sleepy() { std::lock_guard<std::mutex> g(a); std::this_thread::sleep_for(std::chrono::milliseconds(1)); }
void leak() { std::thread t(ab); }
void twice() { std::lock_guard<std::mutex> g1(b); std::lock_guard<std::mutex> g2(b); }
int peek() { return total; }
int main() {
  std::thread t1(ab), t2(ba), t3(unlocked), t4(consumer), t5(sleepy), t6(peek);
  t1.join(); t2.join(); t3.join(); t4.join(); t5.join(); t6.join();
}
)";
  for (const auto& r : rules()) {
    analysis_options only;
    only.enabled_rules = {r.name};
    auto diags = analyze_sources({{"every_rule.cpp", source}}, only);
    EXPECT_FALSE(diags.empty()) << r.name << " found nothing";
    for (const auto& d : diags) EXPECT_EQ(d.rule, r.name);
  }
}

TEST(analysis_rules, an_unknown_rule_name_is_an_error_not_a_silent_no_op) {
  analysis_options misspelt;
  misspelt.enabled_rules = {"lock-order-inverson"};
  std::vector<tu_facts_ptr> none;
  EXPECT_THROW(analyze(none, misspelt), std::invalid_argument);
}

TEST(analysis_rules, blocking_under_lock_is_off_by_default) {
  const char* sleepy = R"(
#include <chrono>
#include <mutex>
#include <thread>
std::mutex m;
void f() { std::lock_guard<std::mutex> g(m); std::this_thread::sleep_for(std::chrono::milliseconds(1)); }
)";
  EXPECT_TRUE(analyze_sources({{"sleepy.cpp", sleepy}}).empty());
  analysis_options on;
  on.enabled_rules = {"blocking-under-lock"};
  EXPECT_EQ(analyze_sources({{"sleepy.cpp", sleepy}}, on).size(), 1u);
}

// --- merging across translation units.

TEST(analysis_merge, a_header_function_seen_by_two_tus_is_reported_once) {
  const std::string header = R"(
#pragma once
#include <mutex>
inline std::mutex m;
inline int total = 0;
inline void add_locked() { std::lock_guard<std::mutex> g(m); ++total; }
inline void add_unlocked() { ++total; }
)";
  fs::path dir = fs::temp_directory_path() / ("concheck_analysis_merge_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "shared.hpp") << header;
  std::string a =
      "#include \"" + (dir / "shared.hpp").string() +
      "\"\n#include <thread>\nint main() { std::thread t(add_locked); add_unlocked(); t.join(); }\n";
  std::string b = "#include \"" + (dir / "shared.hpp").string() + "\"\nvoid other() { add_locked(); }\n";
  auto diags = analyze_sources({{(dir / "a.cpp").string(), a}, {(dir / "b.cpp").string(), b}});
  fs::remove_all(dir);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].rule, "unprotected-write");
  EXPECT_EQ(diags[0].where.line, 7u);
  EXPECT_EQ(fs::path(diags[0].where.file.str()).filename(), "shared.hpp");
}

TEST(analysis_merge, empty_and_null_facts_are_harmless) {
  std::vector<tu_facts_ptr> none;
  EXPECT_TRUE(analyze(none, {}).empty());
  std::vector<tu_facts_ptr> with_null;
  with_null.emplace_back(nullptr);
  EXPECT_TRUE(analyze(with_null, {}).empty());
}

TEST(analysis_threads, extract_facts_runs_on_several_threads_at_once) {
  // Distinct TUs, one per thread, each with its own index: the front end's -j.
  std::vector<std::vector<diagnostic>> results(2);
  std::vector<std::thread> workers;
  for (int i = 0; i < 2; ++i) {
    workers.emplace_back([&results, i] {
      results[static_cast<std::size_t>(i)] = analyze_sources({{"both.cpp", both_bugs}});
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(results[0].size(), 2u);
  ASSERT_EQ(results[0].size(), results[1].size());
  for (std::size_t i = 0; i < results[0].size(); ++i) EXPECT_EQ(results[0][i].message, results[1][i].message);
}

TEST(analysis_robustness, a_huge_generated_expression_does_not_exhaust_a_small_stack) {
  // x = x + x + ... (20000 terms): an AST 20000 levels deep. Analyzed on a
  // thread with a 1 MiB stack (an eighth of a default thread stack).
  std::string source = "int x;\nvoid f() { x = x";
  for (int i = 0; i < 20000; ++i) source += " + x";
  source += "; }\n";
  struct job {
    std::string source;
    std::size_t found = 99;
  } work{source};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1024 * 1024);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* arg) -> void* {
                  auto* w = static_cast<job*>(arg);
                  w->found = analyze_sources({{"deep.cpp", w->source}}).size();
                  return nullptr;
                },
                &work),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(work.found, 0u);  // no threads, no locks: nothing to report, and no crash
}

}  // namespace
