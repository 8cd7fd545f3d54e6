// Unit tests of the lockset flow state (lockset.hpp): holds, releases and the
// must/may join that keeps lock-order edges and unprotected-write reports
// precise.
#include <gtest/gtest.h>

#include "lockset.hpp"

namespace {

using concheck::analyzer::lock_name;
using concheck::analyzer::detail::flow_state;
using concheck::analyzer::detail::join;

const lock_name a{"c:@a", "a"};
const lock_name b{"c:@b", "b"};

std::vector<std::string> ids(const std::vector<lock_name>& locks) {
  std::vector<std::string> out;
  for (const auto& l : locks) out.push_back(l.display);
  return out;
}

TEST(analysis_lockset, join_keeps_must_only_where_both_sides_hold) {
  flow_state left, right;
  left.add(a, "", false, true);
  left.add(b, "", false, true);
  right.add(a, "", false, true);
  auto joined = join(left, right).snapshot();
  EXPECT_EQ(ids(joined.must), (std::vector<std::string>{"a"}));
  EXPECT_EQ(ids(joined.may), (std::vector<std::string>{"a", "b"}));
}

TEST(analysis_lockset, unreachable_side_is_the_identity_of_join) {
  flow_state returned, held;
  returned.unreachable = true;
  held.add(a, "g", false, true);
  auto joined = join(returned, held).snapshot();
  EXPECT_EQ(ids(joined.must), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(join(held, returned).snapshot().must.size() == 1);
}

TEST(analysis_lockset, a_maybe_hold_never_becomes_must_through_a_join) {
  flow_state tried, locked;
  tried.add(a, "", false, false);  // try_lock whose result was not tested
  locked.add(a, "", false, true);
  auto joined = join(tried, locked).snapshot();
  EXPECT_TRUE(joined.must.empty());
  EXPECT_EQ(ids(joined.may), (std::vector<std::string>{"a"}));
}

TEST(analysis_lockset, explicit_release_prefers_the_explicit_hold_then_any) {
  flow_state s;
  s.add(a, "guard", false, true);
  s.add(a, "", false, true);  // recursive: once by a guard, once explicitly
  EXPECT_TRUE(s.release(a.id));
  ASSERT_EQ(s.held.size(), 1u);
  EXPECT_EQ(s.held[0].holder, "guard");
  EXPECT_TRUE(s.release(a.id));  // unlocking what a released guard held
  EXPECT_FALSE(s.release(a.id));
}

TEST(analysis_lockset, guard_operations_follow_the_holder) {
  flow_state s;
  s.add(a, "lk", false, false);
  EXPECT_TRUE(s.holds_via("lk"));
  s.set_holder_must("lk");
  EXPECT_EQ(ids(s.snapshot().must), (std::vector<std::string>{"a"}));
  s.change_holder("lk", "");  // unique_lock::release(): still held, now explicitly
  s.release_holder("lk");
  EXPECT_EQ(ids(s.snapshot().must), (std::vector<std::string>{"a"}));
  s.release_holder("");
  EXPECT_TRUE(s.snapshot().may.empty());
}

}  // namespace

namespace concheck_lockset_paths {

using concheck::analyzer::location;
using concheck::analyzer::detail::flow_state;
using concheck::analyzer::detail::join;

TEST(analysis_lockset, join_keeps_the_calls_both_paths_passed) {
  // after_calls is the chain of calls every path passed, oldest first (for
  // cutting code after a call that never returns): a join keeps the common
  // prefix, so a call made on one branch only does not dominate what follows.
  flow_state left, right;
  left.after_calls = {0, 1, 2};
  right.after_calls = {0, 1, 3};
  EXPECT_EQ(join(left, right).after_calls, (std::vector<int>{0, 1}));
  EXPECT_EQ(join(left, right).after_call(), 1);
  right.after_calls = {4};
  EXPECT_EQ(join(left, right).after_call(), -1);
  right.unreachable = true;  // a branch that ended (abort, throw) does not cut the chain
  EXPECT_EQ(join(left, right).after_calls, (std::vector<int>{0, 1, 2}));
}

TEST(analysis_lockset, held_locks_are_those_held_on_every_path_with_their_sites) {
  const concheck::analyzer::lock_name mu{"c:@mu", "mu", "global"};
  const concheck::analyzer::lock_name other{"c:@other", "other", "global"};
  flow_state s;
  s.add(mu, "", false, true, location{"f.cpp", 3, 5});
  s.add(other, "", true, false, location{"f.cpp", 4, 5});  // may-held only: not a self-deadlock witness
  auto held = s.held_locks();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].lock.display, "mu");
  EXPECT_EQ(held[0].lock.instance, "global");
  EXPECT_EQ(held[0].where.line, 3u);
  s.unreachable = true;
  EXPECT_TRUE(s.held_locks().empty());
}

}  // namespace concheck_lockset_paths

namespace {

using concheck::analyzer::kAnySign;
using concheck::analyzer::kNegative;
using concheck::analyzer::kPositive;
using concheck::analyzer::kZero;
using concheck::analyzer::param_signs;

TEST(analysis_lockset, join_keeps_a_parameter_both_sides_know_with_the_signs_of_either) {
  flow_state zero, positive, untested;
  zero.narrow(param_signs{0, kZero});
  zero.narrow(param_signs{1, kNegative | kZero});
  positive.narrow(param_signs{0, kPositive});
  positive.narrow(param_signs{1, kZero | kPositive});  // 1: every sign between the two sides
  EXPECT_EQ(join(zero, positive).signs, (std::vector<param_signs>{{0, kZero | kPositive}}));
  EXPECT_TRUE(join(zero, untested).signs.empty());
  flow_state returned;  // `if (p != 0) return ...;`: only the other side goes on
  returned.unreachable = true;
  returned.narrow(param_signs{0, kNegative | kPositive});
  EXPECT_EQ(join(returned, zero).signs, zero.signs);
}

TEST(analysis_lockset, narrow_intersects_what_is_known_and_ignores_every_sign) {
  flow_state s;
  s.narrow(param_signs{2, kNegative | kZero});
  s.narrow(param_signs{2, kZero | kPositive});
  s.narrow(param_signs{3, kAnySign});
  EXPECT_EQ(s.signs, (std::vector<param_signs>{{2, kZero}}));
}

}  // namespace
