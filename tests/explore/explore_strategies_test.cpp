// Explore mode's strategies and replay tokens as pure functions: no threads,
// synthetic choices (explore_strategies.hpp).
#include "explore_strategies.hpp"

#include <gtest/gtest.h>

#include <set>

namespace concheck::detail::explore {
namespace {

strategy_params params_of(strategy_kind kind, std::uint64_t seed = 7, std::uint64_t index = 3) {
  strategy_params p;
  p.kind = kind;
  p.seed = seed;
  p.index = index;
  return p;
}

// The decisions a strategy makes over `steps` points with every thread of
// `threads` enabled and the previous choice as the current thread.
std::vector<int> run(strategy& s, int threads, int steps) {
  std::vector<int> enabled;
  for (int t = 0; t < threads; ++t) {
    enabled.push_back(t);
    s.thread_created(t);
  }
  std::vector<int> out;
  int current = 0;
  for (int step = 0; step < steps; ++step) {
    current = s.choose(enabled, enabled.size(), current, static_cast<std::uint64_t>(step));
    out.push_back(current);
  }
  return out;
}

TEST(ExploreStrategies, RandomIsAFunctionOfSeedAndIndex) {
  auto a = make_strategy(params_of(strategy_kind::random));
  auto b = make_strategy(params_of(strategy_kind::random));
  a->begin_schedule();
  b->begin_schedule();
  const auto first = run(*a, 3, 50);
  EXPECT_EQ(first, run(*b, 3, 50));
  auto other = make_strategy(params_of(strategy_kind::random, 7, 4));
  other->begin_schedule();
  EXPECT_NE(first, run(*other, 3, 50));
  EXPECT_EQ(std::set<int>(first.begin(), first.end()).size(), 3u) << "a random walk visits every thread";
}

TEST(ExploreStrategies, PctRunsTheHighestPriorityThreadUntilAChangePoint) {
  strategy_params p = params_of(strategy_kind::pct);
  p.pct_depth = 1;  // no change point: one thread runs while it is enabled
  auto s = make_strategy(p);
  s->begin_schedule();
  const auto decisions = run(*s, 4, 30);
  EXPECT_EQ(std::set<int>(decisions.begin(), decisions.end()).size(), 1u);
  p.pct_depth = 3;
  p.pct_steps = 10;
  auto changing = make_strategy(p);
  changing->begin_schedule();
  const auto with_changes = run(*changing, 4, 30);
  const std::set<int> ran(with_changes.begin(), with_changes.end());
  EXPECT_GE(ran.size(), 2u) << "a change point hands the run to another thread";
  EXPECT_LE(ran.size(), 3u) << "depth 3 means at most 2 change points";
}

// Schedules a bounded search runs when every thread of `threads` is
// enabled at each of `points` points (the previous choice is current).
int search_schedules(const strategy_params& p, const std::vector<int>& threads, int points) {
  auto s = make_strategy(p);
  int schedules = 0;
  do {
    s->begin_schedule();
    int current = 0;
    for (int step = 0; step < points; ++step)
      current = s->choose(threads, threads.size(), current, static_cast<std::uint64_t>(step));
    ++schedules;
  } while (s->end_schedule());
  return schedules;
}

TEST(ExploreStrategies, DfsVisitsEveryChoiceOnceWithinItsBound) {
  // Two threads, each always enabled, 3 points: with no bound, 2^3 schedules.
  strategy_params p = params_of(strategy_kind::dfs);
  p.preemption_bound = 100;
  auto s = make_strategy(p);
  std::set<std::vector<int>> seen;
  int schedules = 0;
  do {
    s->begin_schedule();
    std::vector<int> decisions;
    int current = 0;
    for (int step = 0; step < 3; ++step) {
      current = s->choose({0, 1}, 2, current, static_cast<std::uint64_t>(step));
      decisions.push_back(current);
    }
    seen.insert(decisions);
    ++schedules;
  } while (s->end_schedule());
  EXPECT_EQ(schedules, 8);
  EXPECT_EQ(seen.size(), 8u);
}

TEST(ExploreStrategies, DfsPreemptionBoundCountsSwitchesAwayFromARunnableThread) {
  // 4 points, 2 threads always enabled: schedules with at most b switches
  // are sum over k<=b of C(4, k) (a switch or not at each point).
  for (const auto& [bound, expected] : {std::pair{0, 1}, std::pair{1, 5}, std::pair{2, 11}}) {
    strategy_params p = params_of(strategy_kind::dfs);
    p.preemption_bound = bound;
    EXPECT_EQ(search_schedules(p, {0, 1}, 4), expected) << "bound " << bound;
  }
}

// Delay bounding (Emmi et al.): the default is round-robin from the current
// thread; the k-th thread after it costs k delays. 3 threads always enabled,
// 2 points: delays (a, b) with a + b <= bound, a and b in 0..2.
TEST(ExploreStrategies, DelayBoundCountsRoundRobinSkips) {
  for (const auto& [bound, expected] : {std::pair{0, 1}, std::pair{1, 3}, std::pair{2, 6}, std::pair{4, 9}}) {
    strategy_params p = params_of(strategy_kind::dfs);
    p.preemption_bound = bound;
    p.count_delays = true;
    EXPECT_EQ(search_schedules(p, {0, 1, 2}, 2), expected) << "delay bound " << bound;
  }
  // The same space with a preemption bound of 1: 1 + 2 + 2.
  strategy_params p = params_of(strategy_kind::dfs);
  p.preemption_bound = 1;
  EXPECT_EQ(search_schedules(p, {0, 1, 2}, 2), 5);
}

TEST(ExploreTokens, RoundTripEveryKind) {
  strategy_params out;
  std::string error;
  ASSERT_TRUE(parse_token(make_token(params_of(strategy_kind::random, 42, 9), {}), out, error)) << error;
  EXPECT_EQ(out.kind, strategy_kind::random);
  EXPECT_EQ(out.seed, 42u);
  EXPECT_EQ(out.index, 9u);
  strategy_params pct = params_of(strategy_kind::pct, 5, 11);
  pct.pct_depth = 4;
  pct.pct_steps = 123;
  ASSERT_TRUE(parse_token(make_token(pct, {}), out, error)) << error;
  EXPECT_EQ(out.kind, strategy_kind::pct);
  EXPECT_EQ(out.pct_depth, 4);
  EXPECT_EQ(out.pct_steps, 123u);
  const std::vector<std::uint16_t> decisions{0, 0, 0, 1, 1, 0, 2, 2, 2, 2};
  const std::string list = make_token(params_of(strategy_kind::replay), decisions);
  EXPECT_EQ(list, "cc5-list-0.3_1.2_0.1_2.4");
  ASSERT_TRUE(parse_token(list, out, error)) << error;
  EXPECT_EQ(out.kind, strategy_kind::replay);
  EXPECT_EQ(out.decisions, decisions);
}

TEST(ExploreTokens, MalformedTokensAreErrorsNamingTheProblem) {
  strategy_params out;
  std::string error;
  const std::pair<const char*, const char*> cases[] = {
      {"", "start with 'cc5-'"},
      {"xyz", "start with 'cc5-'"},
      {"cc5-walk-s1-i2", "unknown strategy 'walk'"},
      {"cc5-random-s1", "cc5-random-s<seed>-i<index>"},
      {"cc5-random-sx-i2", "cc5-random-s<seed>-i<index>"},
      {"cc5-pct-d0-k5-s1-i1", "depth 1..64"},
      {"cc5-list-0.3_1", "bad run '1'"},
      {"cc5-list-0.0", "bad run '0.0'"},
      {"cc5-list-99999.1", "bad run '99999.1'"},
      // A token of the scheduler before issue 11's pruning of blocked waiters.
      {"cc1-random-s1-i2", "earlier concheck (version cc1)"},
      {"cc1-list-0.3_1.2", "explore again for a cc5 token"},
      // ... and before the same pruning for reader-writer locks and semaphores.
      {"cc2-random-s1-i2", "earlier concheck (version cc2)"},
      {"cc2-pct-d3-k10-s1-i2", "reader-writer lock or a semaphore"},
      // ... and before a thread going on kFairQuantum points in a row gave way.
      {"cc4-pct-d3-k10-s1-i2", "earlier concheck (version cc4)"},
      {"cc4-list-0.3_1.2", "let a thread run any number of points in a row"},
  };
  for (const auto& [token, why] : cases) {
    EXPECT_FALSE(parse_token(token, out, error)) << token;
    EXPECT_NE(error.find(why), std::string::npos) << token << ": " << error;
    EXPECT_NE(error.find("malformed replay token"), std::string::npos) << error;
  }
}

TEST(ExploreTokens, ReplayNotesWhereItCouldNotFollow) {
  strategy_params p;
  p.kind = strategy_kind::replay;
  p.decisions = {0, 1, 2};
  auto s = make_strategy(p);
  s->begin_schedule();
  EXPECT_EQ(s->choose({0, 1}, 2, 0, 0), 0);
  EXPECT_EQ(s->choose({0, 1}, 2, 0, 1), 1);
  EXPECT_EQ(replay_divergence(*s), "");
  s->choose({0, 1}, 2, 1, 2);
  EXPECT_EQ(replay_divergence(*s), "step 2: the recorded choice T2 cannot run (runnable: T0, T1)");
  EXPECT_FALSE(replay_ran_past_end(*s));
  s->choose({0}, 1, 0, 3);
  EXPECT_TRUE(replay_ran_past_end(*s));
}

}  // namespace
}  // namespace concheck::detail::explore
