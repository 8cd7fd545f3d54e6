// -j and the shared precompiled header never change the output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace concheck::cli_test {
namespace {

// Four files: two races, one clean, one that does not parse.
struct several_files {
  scratch_dir dir;
  std::vector<std::string> args;
  several_files() {
    args = {dir.file("a_race.cpp", counter_race()),
            dir.file("b_fixed.cpp", renamed(renamed(counter_fixed(), "main", "b_main"), "_increment", "_b")),
            dir.file("c_broken.cpp", "#include <mutex>\nint f( {\n"),
            dir.file("d_race.cpp",
                     "// another\n" +
                         renamed(renamed(renamed(counter_race(), "counter", "total"), "_increment", "_add"),
                                 "main", "d_main"))};
  }
};

TEST(CliParallel, OneAndTwoJobsGiveTheSameOutput) {
  several_files f;
  std::vector<std::string> one = {"analyze", "-j", "1", "--format=json"};
  std::vector<std::string> two = {"analyze", "-j2", "--format=json"};
  one.insert(one.end(), f.args.begin(), f.args.end());
  two.insert(two.end(), f.args.begin(), f.args.end());
  auto r1 = run_concheck(on_stubs(one));
  auto r2 = run_concheck(on_stubs(two));
  EXPECT_EQ(r1.exit_code, 2);
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_EQ(r1.out, r2.out);
  EXPECT_EQ(r1.err, r2.err);
  EXPECT_THAT(r1.out, testing::HasSubstr("a_race.cpp"));
  EXPECT_THAT(r1.out, testing::HasSubstr("d_race.cpp"));
  EXPECT_THAT(r1.err, testing::HasSubstr("c_broken.cpp: error: cannot analyze:"));
}

TEST(CliParallel, PrecompiledHeaderDoesNotChangeTheOutput) {
  several_files f;
  std::vector<std::string> with = {"analyze", "-j2"};
  std::vector<std::string> without = {"analyze", "-j2", "--no-pch"};
  with.insert(with.end(), f.args.begin(), f.args.end());
  without.insert(without.end(), f.args.begin(), f.args.end());
  auto a = run_concheck(on_stubs(with));
  auto b = run_concheck(on_stubs(without));
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.err, b.err);
}

// On the real standard headers: the precompiled header of the real library
// builds and serves every file (the other tests build theirs from the stubs).
TEST(CliParallel, StatsReportPrecompiledHeaderUse) {
  several_files f;
  std::vector<std::string> args = {"analyze", "-j2", "--stats", f.args[0], f.args[1], f.args[3]};
  auto r = run_concheck(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, testing::HasSubstr("1 precompiled headers built, 3 files parsed with one;"));
}

}  // namespace
}  // namespace concheck::cli_test

namespace concheck::cli_test {
namespace {

// include/bulk.hpp: `functions` inline functions of about 50 bytes of body
// each, no locks and no shared data. A header reaching more bodies than
// kWholeParseMaxBodyBytes keeps its TUs in the fast mode with a header parse
// (include_reach.hpp); 800 of them are 40 KB.
void write_bulk_header(scratch_dir& dir, int functions = 800) {
  std::string text = "#pragma once\n";
  for (int i = 0; i < functions; ++i)
    text += "inline int bulk_" + std::to_string(i) + "(int x) { int y = x * 3 + 1; y ^= y >> 7; return y + " +
            std::to_string(i) + "; }\n";
  dir.file("include/bulk.hpp", text);
}

// include/counter.hpp: a locked and a racy increment of one counter, inline;
// the race is on its line 6. With `bulk` it includes bulk.hpp (at its end),
// so its TUs reach enough bodies for the fast mode.
void write_counter_header(scratch_dir& dir, bool bulk = true) {
  write_bulk_header(dir);
  dir.file("include/counter.hpp",
           std::string(
               "#pragma once\n"
               "#include <mutex>\n"
               "inline std::mutex counter_mutex;\n"
               "inline int counter = 0;\n"
               "inline void locked_increment() { std::lock_guard<std::mutex> g(counter_mutex); ++counter; }\n"
               "inline void racy_increment() { ++counter; }\n") +
               (bulk ? "#include \"bulk.hpp\"\n" : ""));
}

// Three includers of counter.hpp: src/one.cpp starts both increments on
// threads, src/two.cpp the racy one, src/three.cpp only includes it. The
// analyze arguments for them, after `options` and with include/ on the path.
std::vector<std::string> counter_users(scratch_dir& dir, std::vector<std::string> options) {
  options.push_back(dir.file(
      "src/one.cpp",
      "#include \"counter.hpp\"\n#include <thread>\n"
      "void start_one() { std::thread a(locked_increment), b(racy_increment); a.join(); b.join(); }\n"));
  options.push_back(dir.file("src/two.cpp",
                             "#include \"counter.hpp\"\n#include <thread>\n"
                             "void start_two() { std::thread a(racy_increment); a.join(); }\n"));
  options.push_back(dir.file("src/three.cpp", "#include \"counter.hpp\"\n"));
  options.push_back("--");
  options.push_back("-I" + dir / "include");
  return on_stubs(options);
}

// Header bodies are parsed once per run (not in every TU): findings in a
// header's inline functions must be the same as with --full-parse.
TEST(CliParallel, HeaderBodiesAreAnalyzedOnceWithTheSameResult) {
  scratch_dir dir;
  write_counter_header(dir);
  // Three includers: a header of two files only is parsed whole with each (include_scan.hpp).
  auto fast = run_concheck(counter_users(dir, {"analyze", "--stats", "-j2"}));
  auto full = run_concheck(counter_users(dir, {"analyze", "--full-parse", "-j2"}));
  EXPECT_EQ(fast.exit_code, 1) << fast.err;
  EXPECT_EQ(fast.out, full.out);
  EXPECT_THAT(fast.out, testing::HasSubstr("counter.hpp:6:"));
  EXPECT_THAT(fast.err, testing::HasSubstr("1 header parses, 0 whole-file fallbacks"));
}

// --stats names the costliest files and how each was parsed: here the first
// of three includers of counter.hpp parses its bodies in a header parse, the
// others find it covered (fast), each file on a line of its own.
TEST(CliParallel, StatsNameTheCostliestFilesAndHowEachWasParsed) {
  scratch_dir dir;
  write_counter_header(dir);
  std::string one = dir.file("src/one.cpp", "#include \"counter.hpp\"\nint one() { return counter; }\n");
  std::string two = dir.file("src/two.cpp", "#include \"counter.hpp\"\nint two() { return counter; }\n");
  std::string three = dir.file("src/three.cpp", "#include \"counter.hpp\"\n");
  std::string include = "-I" + dir / "include";
  auto r = run_concheck(on_stubs({"analyze", "--stats", "-j1", one, two, three, "--", include}));
  EXPECT_LE(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, testing::HasSubstr("the 3 costliest files (CPU s, wall s, how parsed):"));
  EXPECT_THAT(r.err, testing::ContainsRegex("header parse: [^\n]*src/(one|two|three)\\.cpp\n"));
  EXPECT_THAT(r.err, testing::ContainsRegex("fast: [^\n]*src/(one|two|three)\\.cpp\n"));
  EXPECT_THAT(r.err,
              testing::ContainsRegex("CPU s by how parsed: fast [0-9.]+ \\(2 files\\), header parse [0-9.]+ "
                                     "\\(1 file\\)\n"));
  EXPECT_THAT(r.err, testing::HasSubstr("1 header parses, 0 whole-file fallbacks"));
}

// A header included after the first declaration is outside the TU's
// precompiled preamble: its bodies are parsed with the main file, so no other
// TU parses them again. Files are taken largest first: one.cpp (padded) runs
// before two.cpp although listed second, and covers the header for both.
TEST(CliParallel, HeaderIncludedAfterCodeIsCoveredByThatFile) {
  scratch_dir dir;
  write_counter_header(dir);
  std::string two = dir.file("src/two.cpp",
                             "#include \"counter.hpp\"\n#include <thread>\n"
                             "void start_two() { std::thread a(racy_increment); a.join(); }\n");
  std::string one = dir.file(
      "src/one.cpp",
      "#include <thread>\n"
      "int declared_before_the_include = 0;\n"
      "#include \"counter.hpp\"\n"
      "void start_one() { std::thread a(locked_increment), b(racy_increment); a.join(); b.join(); }\n" +
          std::string(400, '/') + "\n");
  std::string include = "-I" + dir / "include";
  auto fast = run_concheck(on_stubs({"analyze", "--stats", "-j1", two, one, "--", include}));
  auto full = run_concheck(on_stubs({"analyze", "--full-parse", "-j1", two, one, "--", include}));
  EXPECT_EQ(fast.exit_code, 1) << fast.err;
  EXPECT_EQ(fast.out, full.out);
  EXPECT_THAT(fast.out, testing::HasSubstr("counter.hpp:6:"));
  EXPECT_THAT(fast.err, testing::HasSubstr("0 header parses, 0 whole-file fallbacks"));
}

// A header helper that takes a lock has no body in the TUs that include it
// (their header bodies are skipped): that must count as "no information", and
// the header parse's body as the truth, so the lock it takes still orders
// after the lock its caller in a .cpp holds.
TEST(CliParallel, HeaderHelperBodyCountsForCallersLockOrder) {
  scratch_dir dir;
  dir.file("include/locks.hpp",
           "#pragma once\n"
           "#include <mutex>\n"
           "inline std::mutex first_mutex, second_mutex;\n"
           "inline int total = 0;\n"
           "inline void add_under_second() { std::lock_guard<std::mutex> g(second_mutex); ++total; }\n"
           "void forward();\n"
           "void backward();\n"
           "#include \"bulk.hpp\"\n");
  write_bulk_header(dir);
  std::string one =
      dir.file("src/one.cpp",
               "#include \"locks.hpp\"\n"
               "void forward() { std::lock_guard<std::mutex> g(first_mutex); add_under_second(); }\n");
  std::string two = dir.file("src/two.cpp",
                             "#include \"locks.hpp\"\n#include <thread>\n"
                             "void backward() { std::lock_guard<std::mutex> g(second_mutex); "
                             "std::lock_guard<std::mutex> h(first_mutex); ++total; }\n"
                             "int main() { std::thread a(forward), b(backward); a.join(); b.join(); }\n");
  // A third includer keeps the header parse chosen (include_scan.hpp).
  std::string three = dir.file("src/three.cpp", "#include \"locks.hpp\"\n");
  std::string include = "-I" + dir / "include";
  auto fast = run_concheck(on_stubs({"analyze", "--stats", "-j2", one, two, three, "--", include}));
  auto full = run_concheck(on_stubs({"analyze", "--full-parse", "-j2", one, two, three, "--", include}));
  EXPECT_EQ(fast.exit_code, 1) << fast.err;
  EXPECT_EQ(fast.out, full.out);
  EXPECT_THAT(fast.out, testing::HasSubstr("[concheck-lock-order-inversion]"));
  EXPECT_THAT(fast.out, testing::HasSubstr("locks.hpp:5:"));  // the helper's acquisition, a note of the cycle
  EXPECT_THAT(fast.err, testing::HasSubstr("1 header parses, 0 whole-file fallbacks"));
}

}  // namespace
}  // namespace concheck::cli_test

namespace concheck::cli_test {
namespace {

// A unity-build TU including other TUs of the run: what those TUs cover is
// not parsed again, and the findings are those of a whole parse.
TEST(CliParallel, UnityBuildGivesTheSameResultAsWholeParses) {
  scratch_dir dir;
  std::string a = dir.file("a.cpp", counter_race());
  std::string b =
      dir.file("b.cpp", renamed(renamed(renamed(counter_fixed(), "main", "b_main"), "counter", "b_counter"),
                                "_increment", "_b"));
  std::string all = dir.file("all.cpp", "#include \"a.cpp\"\n#include \"b.cpp\"\n");
  auto fast = run_concheck(on_stubs({"analyze", "--stats", "-j1", a, b, all}));
  auto full = run_concheck(on_stubs({"analyze", "--full-parse", "-j1", a, b, all}));
  EXPECT_EQ(fast.exit_code, 1) << fast.err;
  EXPECT_EQ(fast.out, full.out);
  EXPECT_THAT(fast.out, testing::HasSubstr("a.cpp:7:"));
  EXPECT_THAT(fast.err, testing::HasSubstr("0 whole-file fallbacks"));
}

}  // namespace
}  // namespace concheck::cli_test

namespace concheck::cli_test {
namespace {

// Three TUs share counter.hpp (one header parse covers it for all);
// three.cpp has a header of its own, included by no other file: it is parsed
// whole instead of paying a header parse, with the same findings.
TEST(CliParallel, FileWithItsOwnHeaderIsParsedWhole) {
  scratch_dir dir;
  write_counter_header(dir);
  dir.file("src/own.hpp",
           "#pragma once\n"
           "inline int own_total = 0;\n"
           "inline void own_add() { ++own_total; }\n");
  std::string one = dir.file(
      "src/one.cpp",
      "#include \"counter.hpp\"\n#include <thread>\n"
      "void start_one() { std::thread a(locked_increment), b(racy_increment); a.join(); b.join(); }\n");
  std::string two = dir.file("src/two.cpp",
                             "#include \"counter.hpp\"\n#include <thread>\n"
                             "void start_two() { std::thread a(racy_increment); a.join(); }\n");
  std::string three =
      dir.file("src/three.cpp",
               "#include \"own.hpp\"\n#include <thread>\n"
               "void start_three() { std::thread a(own_add), b(own_add); a.join(); b.join(); }\n");
  std::string four = dir.file("src/four.cpp", "#include \"counter.hpp\"\n");
  std::string include = "-I" + dir / "include";
  for (const char* limit : {"--file-time-limit=120", "--file-time-limit=0"}) {
    auto fast = run_concheck(on_stubs(
        {"analyze", "--stats", limit, "--file-memory-limit=0", "-j2", one, two, three, four, "--", include}));
    auto full =
        run_concheck(on_stubs({"analyze", "--full-parse", "-j2", one, two, three, four, "--", include}));
    EXPECT_EQ(fast.exit_code, 1) << fast.err;
    EXPECT_EQ(fast.out, full.out);
    EXPECT_THAT(fast.out, testing::HasSubstr("counter.hpp:6:"));
    EXPECT_THAT(fast.out, testing::HasSubstr("own.hpp:3:"));
    EXPECT_THAT(fast.err, testing::HasSubstr(
                              "1 header parses, 0 whole-file fallbacks, 1 files parsed whole by choice;"))
        << limit;
  }
}

}  // namespace
}  // namespace concheck::cli_test

namespace concheck::cli_test {
namespace {

// Three TUs share a header with few bodies: each is cheaper parsed whole than
// with a precompiled preamble and a header parse (include_reach.hpp), with the
// same findings. With bulk.hpp's 40 KB of bodies included, the same files keep
// the fast mode and one header parse.
TEST(CliParallel, FilesReachingFewBodiesAreParsedWhole) {
  for (bool bulk : {false, true}) {
    scratch_dir dir;
    write_counter_header(dir, bulk);
    auto fast = run_concheck(counter_users(dir, {"analyze", "--stats", "-j2"}));
    auto full = run_concheck(counter_users(dir, {"analyze", "--full-parse", "-j2"}));
    EXPECT_EQ(fast.exit_code, 1) << fast.err;
    EXPECT_EQ(fast.out, full.out);
    EXPECT_THAT(fast.out, testing::HasSubstr("counter.hpp:6:"));
    EXPECT_THAT(fast.err,
                testing::HasSubstr(bulk ? "1 header parses, 0 whole-file fallbacks, 0 files parsed whole"
                                        : "0 header parses, 0 whole-file fallbacks, 3 files parsed whole"))
        << "bulk.hpp included: " << bulk;
  }
}

}  // namespace
}  // namespace concheck::cli_test

namespace concheck::cli_test {
namespace {

// include/sleepy.hpp is not self-contained: its inline body calls nap(),
// which only <nap.h> (a system header its includers include first) declares.
// Its synthesized header file alone does not parse (the first error is
// printed under --stats); tried again after the main file's system headers
// it does, so no file pays a whole parse, and the findings are those of
// whole parses.
TEST(CliParallel, HeaderNeedingItsIncludersSystemHeadersParsesAfterThem) {
  for (bool needs_includer : {false, true}) {
    scratch_dir dir;
    write_bulk_header(dir);
    dir.file("system/nap.h", "#pragma once\nvoid nap(int);\n");
    dir.file("include/sleepy.hpp",
             std::string("#pragma once\n"
                         "#include <mutex>\n"
                         "inline std::mutex sleepy_mutex;\n"
                         "inline int naps = 0;\n"
                         "inline void locked_nap() { std::lock_guard<std::mutex> g(sleepy_mutex); ++naps; }\n"
                         "inline void racy_nap() { ++naps; nap(naps); }\n") +
                 // A header the system headers do not rescue: it needs a macro of its includer.
                 (needs_includer ? "inline int sleepy_limit() { return SLEEPY_LIMIT; }\n" : "") +
                 "#include \"bulk.hpp\"\n");
    const std::string prefix = std::string(needs_includer ? "#define SLEEPY_LIMIT 3\n" : "") +
                               "#include <nap.h>\n#include \"sleepy.hpp\"\n#include <thread>\n";
    std::string one = dir.file(
        "src/one.cpp",
        prefix + "void start_one() { std::thread a(locked_nap), b(racy_nap); a.join(); b.join(); }\n");
    std::string two =
        dir.file("src/two.cpp", prefix + "void start_two() { std::thread a(racy_nap); a.join(); }\n");
    std::string three = dir.file("src/three.cpp", prefix);
    std::vector<std::string> flags = {"--", "-I" + dir / "include", "-isystem", dir / "system"};
    std::vector<std::string> fast_args = {"analyze", "--stats", "-j1", one, two, three};
    std::vector<std::string> full_args = {"analyze", "--full-parse", "-j1", one, two, three};
    fast_args.insert(fast_args.end(), flags.begin(), flags.end());
    full_args.insert(full_args.end(), flags.begin(), flags.end());
    auto fast = run_concheck(on_stubs(fast_args));
    auto full = run_concheck(on_stubs(full_args));
    EXPECT_EQ(fast.exit_code, 1) << fast.err;
    EXPECT_EQ(fast.out, full.out);
    EXPECT_THAT(fast.out, testing::HasSubstr("sleepy.hpp:6:"));
    EXPECT_THAT(fast.err,
                testing::HasSubstr("1 header parses tried again after their file's system headers, " +
                                   std::string(needs_includer ? "0" : "1") + " of them parsed"));
    if (needs_includer) {
      EXPECT_THAT(fast.err, testing::HasSubstr("1 header parses, 1 whole-file fallbacks"));
      // Both errors: nap() first, then the macro once <nap.h> came first.
      EXPECT_THAT(fast.err,
                  testing::ContainsRegex("one.cpp: header parse: [^\n]*sleepy.hpp:6:[^\n]*'nap'[^\n]*; "
                                         "after its system headers: [^\n]*sleepy.hpp:7:[^\n]*"
                                         "'SLEEPY_LIMIT'"));
    } else {
      EXPECT_THAT(fast.err, testing::HasSubstr("1 header parses, 0 whole-file fallbacks"));
      EXPECT_THAT(fast.err, testing::Not(testing::HasSubstr("fell back:")));
    }
  }
}

}  // namespace
}  // namespace concheck::cli_test
