// concheck runtime: explore mode's strategies and replay tokens
// (explore_strategies.hpp).
#include "explore_strategies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace concheck::detail::explore {
namespace {

// splitmix64: small, fast, and good enough to pick among a few threads.
struct rng {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) noexcept { return n == 0 ? 0 : next() % n; }
};

rng seeded(std::uint64_t seed, std::uint64_t index, std::uint64_t salt) {
  rng r{seed * 0x2545f4914f6cdd1dULL ^ (index + 1) * 0x9e3779b97f4a7c15ULL ^ salt};
  r.next();
  return r;
}

class random_strategy final : public strategy {
 public:
  explicit random_strategy(const strategy_params& p) : params_(p) {}
  void begin_schedule() override { rng_ = seeded(params_.seed, params_.index, 0x72616e64); }
  int choose(const std::vector<int>& enabled, std::size_t runnable, int, std::uint64_t) override {
    // A uniform choice among the runnable threads, and time passes (a
    // timeout) with probability 1/(n+1) while any can run, so a polling
    // loop ends with probability 1 without starving the others.
    if (runnable == 0 || runnable == enabled.size()) return enabled[rng_.below(enabled.size())];
    const std::uint64_t pick = rng_.below(runnable + 1);
    if (pick < runnable) return enabled[pick];
    return enabled[runnable + rng_.below(enabled.size() - runnable)];
  }
  std::string token() const override { return make_token(params_, {}); }

 private:
  strategy_params params_;
  rng rng_{0};
};

class pct_strategy final : public strategy {
 public:
  explicit pct_strategy(const strategy_params& p) : params_(p) {}
  void begin_schedule() override {
    rng_ = seeded(params_.seed, params_.index, 0x706374);
    priorities_.clear();
    change_points_.clear();
    const std::uint64_t k = std::max<std::uint64_t>(params_.pct_steps, 1);
    for (int i = 1; i < params_.pct_depth; ++i) change_points_.push_back(1 + rng_.below(k));
  }
  void thread_created(int index) override {
    if (priorities_.size() <= static_cast<std::size_t>(index)) priorities_.resize(index + 1, 0);
    // Initial priorities lie above every lowered one (1 .. d-1).
    priorities_[index] = static_cast<std::uint64_t>(params_.pct_depth) + 1 + (rng_.next() >> 2);
  }
  int choose(const std::vector<int>& enabled, std::size_t runnable, int current,
             std::uint64_t step) override {
    for (std::size_t j = 0; j < change_points_.size(); ++j) {
      if (change_points_[j] == step + 1 && current >= 0) {
        priorities_[current] = static_cast<std::uint64_t>(params_.pct_depth - 1 - static_cast<int>(j));
      }
    }
    // Time passes only when no thread can run: with priorities, a
    // high-priority poller timing out again and again would starve the
    // thread it polls for.
    const std::size_t candidates = runnable > 0 ? runnable : enabled.size();
    int best = enabled.front();
    for (std::size_t i = 0; i < candidates; ++i) {
      if (priority(enabled[i]) > priority(best)) best = enabled[i];
    }
    return best;
  }
  std::string token() const override { return make_token(params_, {}); }

 private:
  std::uint64_t priority(int t) const {
    return static_cast<std::size_t>(t) < priorities_.size() ? priorities_[t] : 0;
  }
  strategy_params params_;
  rng rng_{0};
  std::vector<std::uint64_t> priorities_;
  std::vector<std::uint64_t> change_points_;
};

class dfs_strategy final : public strategy {
 public:
  explicit dfs_strategy(const strategy_params& p) : params_(p) {}
  void begin_schedule() override {
    depth_ = 0;
    decisions_.clear();
  }
  int choose(const std::vector<int>& enabled, std::size_t runnable, int current, std::uint64_t) override {
    int chosen;
    if (depth_ < stack_.size()) {
      const node& n = stack_[depth_];
      chosen = n.order[n.pos];
      // A program that offers other choices than last time is not
      // deterministic under its schedule; take what is there.
      if (std::find(enabled.begin(), enabled.end(), chosen) == enabled.end()) chosen = enabled.front();
    } else {
      node n;
      const auto runnable_end = enabled.begin() + static_cast<long>(runnable);
      n.current = std::find(enabled.begin(), runnable_end, current) != runnable_end ? current : -1;
      n.preemptions_before = depth_ == 0 ? 0 : stack_[depth_ - 1].preemptions_after();
      n.delays = params_.count_delays;
      if (params_.count_delays) {
        // Round-robin from the current thread (or the next one after it).
        const auto first = std::lower_bound(enabled.begin(), runnable_end, std::max(current, 0));
        n.order.assign(first, runnable_end);
        n.order.insert(n.order.end(), enabled.begin(), first);
      } else {
        if (n.current >= 0) n.order.push_back(n.current);
        for (auto t = enabled.begin(); t != runnable_end; ++t) {
          if (*t != n.current) n.order.push_back(*t);
        }
      }
      // Timeouts last: letting time pass while a thread can run costs a
      // preemption (or, with delays, its place), so a polling loop's
      // "time out again" branches are bounded like preemptions.
      n.first_timeout = runnable > 0 ? runnable : 0;
      n.order.insert(n.order.end(), runnable_end, enabled.end());
      stack_.push_back(std::move(n));
      chosen = stack_.back().order.front();
    }
    ++depth_;
    decisions_.push_back(static_cast<std::uint16_t>(chosen));
    return chosen;
  }
  // The choices of the next schedule's prefix (after end_schedule).
  std::vector<std::uint16_t> prefix() const {
    std::vector<std::uint16_t> out;
    for (const node& n : stack_) out.push_back(static_cast<std::uint16_t>(n.order[n.pos]));
    return out;
  }
  bool end_schedule() override {
    stack_.resize(std::min(stack_.size(), depth_));
    while (!stack_.empty()) {
      node& n = stack_.back();
      while (++n.pos < n.order.size()) {
        if (n.preemptions_after() <= params_.preemption_bound) return true;
      }
      stack_.pop_back();
    }
    return false;
  }
  std::string token() const override {
    strategy_params replay;
    replay.kind = strategy_kind::replay;
    return make_token(replay, decisions_);
  }

 private:
  struct node {
    std::vector<int> order;  // the current thread first (no preemption), then by index
    std::size_t pos = 0;
    int current = -1;
    int preemptions_before = 0;  // preemptions (or delays) before this point
    bool delays = false;
    std::size_t first_timeout = 0;  // order[first_timeout..] are timeouts taken while a thread could run
    int preemptions_after() const {
      if (delays) return preemptions_before + static_cast<int>(pos);
      const bool preempts =
          (current >= 0 && order[pos] != current) || (first_timeout > 0 && pos >= first_timeout);
      return preemptions_before + (preempts ? 1 : 0);
    }
  };
  strategy_params params_;
  std::vector<node> stack_;
  std::size_t depth_ = 0;
  std::vector<std::uint16_t> decisions_;
};

class replay_strategy final : public strategy {
 public:
  explicit replay_strategy(const strategy_params& p) : params_(p) {}
  void begin_schedule() override {
    divergence_.clear();
    past_end_ = false;
  }
  int choose(const std::vector<int>& enabled, std::size_t, int current, std::uint64_t step) override {
    if (step >= params_.decisions.size()) {
      // Past the recorded decisions: go on without preempting (what a
      // bounded search assumes of the rest of a schedule it extends).
      past_end_ = true;
      return std::find(enabled.begin(), enabled.end(), current) != enabled.end() ? current : enabled.front();
    }
    const int wanted = params_.decisions[step];
    if (std::find(enabled.begin(), enabled.end(), wanted) != enabled.end()) return wanted;
    if (divergence_.empty()) {
      std::string runnable;
      for (int t : enabled) runnable += fmt::format("{}T{}", runnable.empty() ? "" : ", ", t);
      divergence_ =
          fmt::format("step {}: the recorded choice T{} cannot run (runnable: {})", step, wanted, runnable);
    }
    return enabled.front();
  }
  std::string token() const override { return make_token(params_, params_.decisions); }
  const std::string& divergence() const { return divergence_; }
  bool past_end() const { return past_end_; }

 private:
  strategy_params params_;
  std::string divergence_;
  bool past_end_ = false;
};

bool parse_number(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

}  // namespace

std::unique_ptr<strategy> make_strategy(const strategy_params& params) {
  switch (params.kind) {
    case strategy_kind::random:
      return std::make_unique<random_strategy>(params);
    case strategy_kind::pct:
      return std::make_unique<pct_strategy>(params);
    case strategy_kind::dfs:
      return std::make_unique<dfs_strategy>(params);
    case strategy_kind::replay:
      return std::make_unique<replay_strategy>(params);
  }
  return nullptr;
}

std::string replay_divergence(const strategy& replay) {
  const auto* r = dynamic_cast<const replay_strategy*>(&replay);
  return r != nullptr ? r->divergence() : std::string();
}

std::vector<std::uint16_t> search_prefix(const strategy& search) {
  const auto* d = dynamic_cast<const dfs_strategy*>(&search);
  return d != nullptr ? d->prefix() : std::vector<std::uint16_t>();
}

bool replay_ran_past_end(const strategy& replay) {
  const auto* r = dynamic_cast<const replay_strategy*>(&replay);
  return r != nullptr && r->past_end();
}

std::string make_token(const strategy_params& params, const std::vector<std::uint16_t>& decisions) {
  switch (params.kind) {
    case strategy_kind::random:
      return fmt::format("cc5-random-s{}-i{}", params.seed, params.index);
    case strategy_kind::pct:
      return fmt::format("cc5-pct-d{}-k{}-s{}-i{}", params.pct_depth, params.pct_steps, params.seed,
                         params.index);
    case strategy_kind::dfs:
    case strategy_kind::replay:
      break;
  }
  std::string out = "cc5-list-";
  for (std::size_t i = 0; i < decisions.size();) {
    std::size_t run = 1;
    while (i + run < decisions.size() && decisions[i + run] == decisions[i]) ++run;
    out += fmt::format("{}{}.{}", i == 0 ? "" : "_", decisions[i], run);
    i += run;
  }
  return out;
}

bool parse_token(std::string_view token, strategy_params& out, std::string& error) {
  const auto fail = [&](std::string_view why) {
    error = fmt::format("malformed replay token '{}': {}", token.substr(0, 200), why);
    return false;
  };
  if (token.substr(0, 4) == "cc1-" || token.substr(0, 4) == "cc2-" || token.substr(0, 4) == "cc3-" ||
      token.substr(0, 4) == "cc4-") {
    const char* why = token[2] == '1'   ? "also chose threads that could only fail to take a lock again"
                      : token[2] == '2' ? "also chose threads that could only fail to take a reader-writer "
                                          "lock or a semaphore"
                      : token[2] == '3' ? "let a thread that polls with locks taken between its polls "
                                          "run on after 8 polls"
                                        : "let a thread run any number of points in a row while another "
                                          "could run";
    return fail(fmt::format(
        "it was made by an earlier concheck (version {}), whose scheduler {}; this one would run a "
        "different interleaving: explore again for a cc5 token",
        token.substr(0, 3), why));
  }
  if (token.substr(0, 4) != "cc5-") return fail("expected it to start with 'cc5-'");
  const std::vector<std::string_view> parts = split(token.substr(4), '-');
  strategy_params p;
  const auto field = [&](std::string_view part, char letter, std::uint64_t& value) {
    return part.size() > 1 && part[0] == letter && parse_number(part.substr(1), value);
  };
  if (parts[0] == "random") {
    if (parts.size() != 3 || !field(parts[1], 's', p.seed) || !field(parts[2], 'i', p.index))
      return fail("expected cc5-random-s<seed>-i<index>");
    p.kind = strategy_kind::random;
  } else if (parts[0] == "pct") {
    std::uint64_t depth = 0;
    if (parts.size() != 5 || !field(parts[1], 'd', depth) || !field(parts[2], 'k', p.pct_steps) ||
        !field(parts[3], 's', p.seed) || !field(parts[4], 'i', p.index) || depth < 1 || depth > 64)
      return fail("expected cc5-pct-d<depth 1..64>-k<steps>-s<seed>-i<index>");
    p.kind = strategy_kind::pct;
    p.pct_depth = static_cast<int>(depth);
  } else if (parts[0] == "list") {
    if (parts.size() != 2) return fail("expected cc5-list-<thread>.<count>_...");
    p.kind = strategy_kind::replay;
    if (!parts[1].empty()) {
      for (std::string_view run : split(parts[1], '_')) {
        const std::vector<std::string_view> pair = split(run, '.');
        std::uint64_t thread = 0;
        std::uint64_t count = 0;
        if (pair.size() != 2 || !parse_number(pair[0], thread) || !parse_number(pair[1], count) ||
            thread > 65535 || count == 0 || count > 100000000 || p.decisions.size() + count > 100000000)
          return fail(fmt::format("bad run '{}' (expected <thread>.<count>)", run.substr(0, 40)));
        p.decisions.insert(p.decisions.end(), count, static_cast<std::uint16_t>(thread));
      }
    }
  } else {
    return fail(fmt::format("unknown strategy '{}' (random, pct or list)", parts[0].substr(0, 40)));
  }
  out = std::move(p);
  return true;
}

}  // namespace concheck::detail::explore
