// When a function reaches an untimed wait; see wait_reach.hpp.
#include "wait_reach.hpp"

#include <algorithm>

namespace concheck::analyzer::detail {

std::optional<std::vector<param_signs>> condition_of(std::vector<param_signs> tests) {
  std::sort(tests.begin(), tests.end(),
            [](const param_signs& a, const param_signs& b) { return a.param < b.param; });
  std::vector<param_signs> out;
  for (const auto& t : tests) {
    if (t.param < 0) continue;
    if (!out.empty() && out.back().param == t.param) {
      out.back().signs &= t.signs;
    } else {
      out.push_back(t);
    }
  }
  for (const auto& t : out) {
    if (t.signs == 0) return std::nullopt;
  }
  std::erase_if(out, [](const param_signs& t) { return t.signs == kAnySign; });
  return out;
}

std::optional<std::vector<param_signs>> through_call(const std::vector<param_signs>& callee_when,
                                                     const call_fact& call) {
  std::vector<param_signs> when = call.param_guards;
  for (const auto& need : callee_when) {
    auto arg = std::find_if(call.arg_values.begin(), call.arg_values.end(),
                            [&](const arg_value& v) { return static_cast<int>(v.index) == need.param; });
    if (arg == call.arg_values.end()) continue;  // a value not known here: may be any
    const sign_set by_sign[3] = {arg->if_negative, arg->if_zero, arg->if_positive};
    sign_set allowed = 0;
    for (int s = 0; s < 3; ++s) {
      if ((by_sign[s] & need.signs) != 0) allowed |= static_cast<sign_set>(1 << s);
    }
    if (allowed == 0) return std::nullopt;  // the value passed never meets the condition
    if (arg->param >= 0) when.push_back(param_signs{arg->param, allowed});
  }
  return condition_of(std::move(when));
}

namespace {

// Whether `a` implies `b`: each part of b is implied by a part of a.
bool implies(const std::vector<param_signs>& a, const std::vector<param_signs>& b) {
  return std::all_of(b.begin(), b.end(), [&](const param_signs& need) {
    return std::any_of(a.begin(), a.end(), [&](const param_signs& have) {
      return have.param == need.param && (have.signs & ~need.signs) == 0;
    });
  });
}

}  // namespace

bool add_reach(std::vector<wait_reach>& reaches, wait_reach r) {
  for (const auto& e : reaches) {
    if (implies(r.when, e.when)) return false;
  }
  std::erase_if(reaches, [&](const wait_reach& e) { return implies(e.when, r.when); });
  reaches.push_back(std::move(r));
  if (reaches.size() > kMaxReaches) {
    wait_reach always = reaches.front();
    always.when.clear();
    reaches.assign(1, std::move(always));
  }
  return true;
}

}  // namespace concheck::analyzer::detail
