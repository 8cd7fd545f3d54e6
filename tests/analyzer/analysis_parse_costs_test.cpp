// The costliest files listed by --stats (parse_costs.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parse_costs.hpp"

namespace concheck::analyzer {
namespace {

compile_job job_of(const std::string& file) {
  compile_job job;
  job.file = file;
  job.argv = {"clang++", file};
  return job;
}

struct timing {
  double cpu;
  double wall;
  parse_way way;
};

// parse_result holds move-only facts: built one by one, not from a braced list.
std::vector<parse_result> results_of(const std::vector<timing>& timings) {
  std::vector<parse_result> results(timings.size());
  for (std::size_t i = 0; i < timings.size(); ++i) {
    results[i].cpu_seconds = timings[i].cpu;
    results[i].seconds = timings[i].wall;
    results[i].way = timings[i].way;
  }
  return results;
}

TEST(ParseCosts, ListsTheCostliestByCpuFirstWithHowEachWasParsed) {
  std::vector<compile_job> jobs = {job_of("a.cpp"), job_of("b.cpp"), job_of("c.cpp")};
  std::vector<parse_result> results = results_of(
      {{1.0, 9.0, parse_way::fast}, {4.3, 5.0, parse_way::whole}, {2.0, 2.5, parse_way::header_parse}});
  std::string text = costliest_files_text(jobs, results, true, 2);
  EXPECT_EQ(text,
            "concheck analyze: the 2 costliest files (CPU s, wall s, how parsed):\n"
            "concheck analyze:     4.3     5.0  whole by choice: b.cpp\n"
            "concheck analyze:     2.0     2.5  header parse: c.cpp\n");
}

// The first error of the parse that failed, for each file that fell back.
TEST(ParseCosts, NamesWhyEachFileFellBack) {
  std::vector<compile_job> jobs = {job_of("a.cpp"), job_of("b.cpp"), job_of("c.cpp")};
  std::vector<parse_result> results = results_of(
      {{1.0, 1.0, parse_way::fell_back}, {1.0, 1.0, parse_way::fast}, {1.0, 1.0, parse_way::fell_back}});
  results[0].fell_back = true;
  results[0].fallback_reason = "header parse: x.h:3:1: error: unknown type name 'y'";
  results[2].fell_back = true;
  EXPECT_EQ(fallback_reasons_text(jobs, results),
            "concheck analyze: fell back: a.cpp: header parse: x.h:3:1: error: unknown type name 'y'\n"
            "concheck analyze: fell back: c.cpp: (no error recorded)\n");
  results[0].fell_back = results[2].fell_back = false;
  EXPECT_EQ(fallback_reasons_text(jobs, results), "");
}

TEST(ParseCosts, WithoutChildrenTheWallTimeRanksAndCpuIsUnknown) {
  std::vector<compile_job> jobs = {job_of("a.cpp"), job_of("b.cpp"), job_of("refused.cpp")};
  std::vector<parse_result> results =
      results_of({{0, 9.0, parse_way::fell_back}, {0, 1.0, parse_way::plain}, {0, 0, parse_way::plain}});
  std::string text = costliest_files_text(jobs, results, false, 8);
  EXPECT_EQ(text,
            "concheck analyze: the 2 costliest files (CPU s, wall s, how parsed):\n"
            "concheck analyze:       -     9.0  fell back: a.cpp\n"
            "concheck analyze:       -     1.0  plain: b.cpp\n");
}

TEST(ParseCosts, NothingTimedPrintsNothing) {
  EXPECT_EQ(costliest_files_text({job_of("a.cpp")}, results_of({{0, 0, parse_way::plain}}), true, 8), "");
}

TEST(ParseCosts, SumsTheCostPerWayInTheWaysOrder) {
  std::vector<parse_result> results = results_of({{1.0, 9.0, parse_way::whole},
                                                  {0.5, 1.0, parse_way::fast},
                                                  {2.0, 3.0, parse_way::whole},
                                                  {0, 0, parse_way::plain}});
  EXPECT_EQ(cost_by_way_text(results, true),
            "concheck analyze: CPU s by how parsed: fast 0.5 (1 file), whole by choice 3.0 (2 files)\n");
  EXPECT_EQ(cost_by_way_text(results, false),
            "concheck analyze: wall s by how parsed: fast 1.0 (1 file), whole by choice 12.0 (2 files)\n");
  EXPECT_EQ(cost_by_way_text({}, true), "");
}

}  // namespace
}  // namespace concheck::analyzer
