// Unit tests of cv-wait-no-loop's reaches (wait_reach.hpp): conditions on
// parameters carried through a call's arguments, and the disjunction of
// reaches kept small and sound.
#include <gtest/gtest.h>

#include "wait_reach.hpp"

namespace {

using namespace concheck::analyzer;
using concheck::analyzer::detail::add_reach;
using concheck::analyzer::detail::condition_of;
using concheck::analyzer::detail::kMaxReaches;
using concheck::analyzer::detail::through_call;
using concheck::analyzer::detail::wait_reach;

using condition = std::vector<param_signs>;

arg_value constant(unsigned index, sign_set s) {
  return arg_value{index, -1, s, s, s};
}
arg_value forwarded(unsigned index, int param) {
  return arg_value{index, param, kNegative, kZero, kPositive};
}

TEST(analysis_wait_reach, a_constant_the_condition_excludes_cuts_the_path) {
  call_fact call;
  call.arg_values = {constant(0, kPositive)};
  EXPECT_FALSE(through_call(condition{{0, kZero}}, call).has_value());
  call.arg_values = {constant(0, kZero)};  // `wait(0)`: always reached from here
  EXPECT_EQ(through_call(condition{{0, kZero}}, call), condition{});
  call.arg_values = {constant(0, kNegative)};  // -1 against `timeout <= 0`
  EXPECT_EQ(through_call(condition{{0, kNegative | kZero}}, call), condition{});
}

TEST(analysis_wait_reach, a_forwarded_parameter_carries_the_condition_and_an_unknown_value_drops_it) {
  call_fact call;
  call.arg_values = {forwarded(0, 2)};
  EXPECT_EQ(through_call(condition{{0, kZero}}, call), (condition{{2, kZero}}));
  call.arg_values = {arg_value{0, 1, kPositive, kZero, kPositive}};  // signed to unsigned
  EXPECT_EQ(through_call(condition{{0, kPositive}}, call), (condition{{1, kNegative | kPositive}}));
  call.arg_values.clear();  // a member, a call's result: may be anything
  EXPECT_EQ(through_call(condition{{0, kZero}}, call), condition{});
  call.param_guards = {{1, kZero}};  // the caller's own tests on the way to the call
  EXPECT_EQ(through_call(condition{{0, kZero}}, call), (condition{{1, kZero}}));
}

TEST(analysis_wait_reach, condition_of_merges_tests_and_finds_contradictions) {
  EXPECT_EQ(condition_of({{3, kZero | kPositive}, {1, kAnySign}, {3, kNegative | kZero}}),
            (condition{{3, kZero}}));
  EXPECT_FALSE(condition_of({{0, kZero}, {0, kPositive}}).has_value());
}

TEST(analysis_wait_reach, reaches_keep_the_weakest_and_collapse_to_always_past_the_cap) {
  std::vector<wait_reach> reaches;
  EXPECT_TRUE(add_reach(reaches, wait_reach{{{0, kZero}, {1, kZero}}, {}, "f"}));
  EXPECT_TRUE(add_reach(reaches, wait_reach{{{0, kZero}}, {}, "f"}));  // weaker: replaces the first
  ASSERT_EQ(reaches.size(), 1u);
  EXPECT_EQ(reaches[0].when, (condition{{0, kZero}}));
  EXPECT_FALSE(add_reach(reaches, wait_reach{{{0, kZero}, {2, kPositive}}, {}, "f"}));  // implied
  for (int p = 1; reaches.size() < kMaxReaches; ++p) add_reach(reaches, wait_reach{{{p, kZero}}, {}, "f"});
  EXPECT_TRUE(add_reach(reaches, wait_reach{{{100, kZero}}, {}, "f"}));
  ASSERT_EQ(reaches.size(), 1u);
  EXPECT_TRUE(reaches[0].when.empty());
  EXPECT_FALSE(add_reach(reaches, wait_reach{{{0, kZero}}, {}, "f"}));
}

}  // namespace
