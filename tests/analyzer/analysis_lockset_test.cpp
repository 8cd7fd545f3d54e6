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
