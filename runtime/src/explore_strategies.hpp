// concheck runtime: explore mode's strategies and replay tokens. INTERNAL.
//
// Every strategy is a pure function of its parameters and the choices the
// program offers, so the same parameters give the same interleaving:
// - random: at each scheduling point a uniform choice among the enabled
//   threads, from a generator seeded with (seed, schedule index).
// - pct (Burckhardt et al., ASPLOS 2010): each thread gets a random priority
//   when created; the highest-priority enabled thread runs; at d-1 random
//   steps in [1, k] the running thread drops below every initial priority.
//   A bug of depth d is found with probability at least 1/(n k^(d-1)) per
//   schedule (n threads, k steps).
// - dfs: stateless depth-first search of every interleaving with at most
//   `bound` preemptions (CHESS's iterative preemption bounding, one bound):
//   each schedule follows the previous one's choices up to the deepest
//   point with an untried choice within the bound, and takes that one.
//   Exhaustive within its bound: every such interleaving once. With
//   count_delays, iterative delay bounding (Emmi et al., POPL 2011): the
//   default is round-robin from the current thread, and taking the k-th
//   runnable thread after it costs k delays; the bound is on delays.
// - replay: follows a recorded list of decisions; where the program offers
//   a choice the list cannot take, it notes where the run diverged.
//
// Tokens (one printable line, shell-safe):
//   cc5-random-s<seed>-i<index>
//   cc5-pct-d<depth>-k<steps>-s<seed>-i<index>
//   cc5-list-<thread>.<count>_<thread>.<count>...   (run-length decisions)
// The version (cc5) changes whenever the same token would run a different
// interleaving; an older token is refused, naming its version. cc1: before a
// waiter whose retry can only fail was kept blocked; cc2: before the same
// for reader-writer locks and semaphores (issue 11); cc3: before a polling
// loop with locks taken between its polls gave way after kSpinRepeats
// polls (explore mode, real code); cc4: before a thread that went on
// kFairQuantum points in a row while another could run gave way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "explore_scheduler.hpp"

namespace concheck::detail::explore {

enum class strategy_kind : std::uint8_t { random, pct, dfs, replay };

struct strategy_params {
  strategy_kind kind = strategy_kind::random;
  std::uint64_t seed = 1;
  std::uint64_t index = 0;  // the schedule (random, pct)
  int pct_depth = 3;
  std::uint64_t pct_steps = 100;         // k
  int preemption_bound = 2;              // dfs: the bound on preemptions (or delays)
  bool count_delays = false;             // dfs: bound delays (Emmi et al.) instead of preemptions
  std::vector<std::uint16_t> decisions;  // replay
};

// A strategy for schedule `params.index` (random, pct), for a whole search
// (dfs: one object across its schedules), or for a replay.
std::unique_ptr<strategy> make_strategy(const strategy_params& params);

// Divergence of a replay strategy: "" when it followed every decision, else
// where it first could not ("step 12: the recorded choice T2 is not
// runnable (runnable: T0, T1)").
std::string replay_divergence(const strategy& replay);
// True when a replay's program asked for more steps than were recorded
// (past them, a replay goes on without preempting).
bool replay_ran_past_end(const strategy& replay);
// A bounded search driven from outside (concheck run): after end_schedule,
// the decisions its next schedule starts with; that schedule follows them
// as a replay, then goes on without preempting, as the search would.
std::vector<std::uint16_t> search_prefix(const strategy& search);

// The token of a schedule: random and pct name their parameters; every
// other schedule is named by its decisions.
std::string make_token(const strategy_params& params, const std::vector<std::uint16_t>& decisions);

// Parses a token into parameters (kind random, pct or replay). On error
// returns false and sets `error` to a message naming the problem.
bool parse_token(std::string_view token, strategy_params& out, std::string& error);

}  // namespace concheck::detail::explore
