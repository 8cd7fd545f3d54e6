// Rule cv-wait-no-loop: a condition-variable wait without a predicate that no
// loop re-checks, looked for through wrappers, reported once per wait at the
// place to fix it (docs/analyzer-checks.md, cv-wait-no-loop).
//
// A "wrapper" is a function some caller calls inside a loop (leveldb's
// port::CondVar::Wait: its callers loop), or one named wait*/Wait* (its job
// is to wait once: its callers are responsible); a function a thread starts
// is none. Every function's "reaches" say when it gets to a bare wait that no
// loop of its own re-checks, as conditions on its parameters (wait_reach.hpp:
// thrift's Monitor::waitForTimeRelative reaches waitForever's wait only when
// its timeout is zero): its own bare waits, and its calls outside a loop of
// functions that hand a reach on, carried through the call's arguments. A
// wrapper hands on every reach; another function only those that depend on
// its parameters, when it has callers to supply them. A step of a function
// is its bare wait, or such a call, whose reach is reported here: the
// function is no wrapper, and the reach is unconditional or no caller can
// supply its values. So the report is at the innermost place to fix: a
// function no caller loops around, whose callers reach the wait only through
// it and are not reported again (a note counts them and names a few); a
// wrapper is not reported, its callers that do not loop are, at their call.
// Cost: a fixed point, O(R * C * K^2) for R rounds, C calls and K reaches per
// function (at most kMaxReaches), then O(C log C) for the callers' notes.
// A wait or call between a test that leaves the function when a condition
// holds and a re-test of the same condition that leaves it when it fails
// (call_fact::rechecked, ast_recheck.cpp) counts as guarded, as one in a
// loop does: nothing after the re-test runs with the condition false.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "rules.hpp"
#include "wait_reach.hpp"

namespace concheck::analyzer::detail {

namespace {

constexpr const char* kAdvice =
    "a spurious or stolen wakeup continues with the condition false; use wait(lock, predicate) or re-check "
    "in a while loop";

bool wrapper_name(const function_facts& f) {
  const std::string& named = f.is_lambda ? f.enclosing : f.display;
  std::string name = named.substr(named.rfind(':') == std::string::npos ? 0 : named.rfind(':') + 1);
  return name.size() >= 4 && std::tolower(static_cast<unsigned char>(name[0])) == 'w' &&
         name.compare(1, 3, "ait") == 0;
}

// A call outside a loop of a function that waits unguarded.
struct caller {
  location where;
  std::string function;
};

constexpr std::size_t kCallersNamed = 3;

// A loop around it repeats it, or a re-test of the condition follows it.
bool guarded(const call_fact& c) {
  return c.in_loop || c.rechecked;
}
bool guarded(const cv_wait_fact& w) {
  return w.in_loop || w.rechecked;
}

// Notes for a reported function that has callers: how many call it outside a
// loop (none loops around it), the first few by place, each at its call.
std::vector<note> callers_note(std::vector<caller> callers, const std::string& reported) {
  std::vector<note> notes;
  if (callers.empty()) return notes;
  std::sort(callers.begin(), callers.end(), [](const caller& a, const caller& b) {
    return std::make_tuple(a.where.file.str(), a.where.line, a.where.column) <
           std::make_tuple(b.where.file.str(), b.where.line, b.where.column);
  });
  std::set<std::string> functions;
  for (const auto& c : callers) functions.insert(c.function);
  notes.push_back(
      note{callers.front().where,
           fmt::format("'{}' is called outside a loop at {} place{} in {} function{}, and no caller loops "
                       "around it: fix it here, not in its callers; called here, in '{}'",
                       reported, callers.size(), callers.size() == 1 ? "" : "s", functions.size(),
                       functions.size() == 1 ? "" : "s", callers.front().function)});
  for (std::size_t i = 1; i < callers.size() && i < kCallersNamed; ++i) {
    notes.push_back(note{callers[i].where, fmt::format("and here, in '{}'", callers[i].function)});
  }
  return notes;
}

}  // namespace

void check_cv_wait_no_loop(const program& p, const analysis_options&, rule_output& out) {
  std::set<std::string> looped, started, called;
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) {
      if (guarded(c)) looped.insert(c.callee);
      called.insert(c.callee);
    }
    for (const auto& s : f->spawns) started.insert(s.entry);
  }
  auto wrapper = [&](const std::string& id, const function_facts& f) {
    if (started.count(id) != 0) return false;
    return looped.count(id) != 0 || wrapper_name(f);
  };
  // Whether a reach of a function is its callers' question: always for a
  // wrapper; for another function, a reach that depends on its parameters'
  // values, when it has callers to supply them (a thread's entry has none).
  auto handed = [&](const std::string& id, const function_facts& f, const wait_reach& r) {
    if (wrapper(id, f)) return true;
    return !r.when.empty() && called.count(id) != 0 && started.count(id) == 0;
  };
  // Every function's reaches of a bare wait that no loop of its own re-checks
  // (wait_reach.hpp): its own waits, and through calls outside a loop, what
  // its callees hand on. A fixed point: reaches only ever get weaker.
  std::map<std::string, std::vector<wait_reach>> reaches;
  for (const auto& [id, f] : p.functions) {
    for (const auto& w : f->cv_waits) {
      if (w.has_predicate || guarded(w) || w.timed) continue;
      if (auto when = condition_of(w.param_guards))
        add_reach(reaches[id], wait_reach{std::move(*when), w.where, f->display});
    }
  }
  // What `c` reaches through its callee, as conditions on the caller.
  auto through = [&](const call_fact& c) {
    std::vector<wait_reach> got;
    if (guarded(c)) return got;
    auto r = reaches.find(c.callee);
    auto callee = p.functions.find(c.callee);
    if (r == reaches.end() || callee == p.functions.end()) return got;
    for (const auto& each : r->second) {
      if (!handed(c.callee, *callee->second, each)) continue;
      if (auto when = through_call(each.when, c))
        got.push_back(wait_reach{std::move(*when), each.wait, each.function});
    }
    return got;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      for (const auto& c : f->calls) {
        for (auto& r : through(c)) changed |= add_reach(reaches[id], std::move(r));
      }
    }
  }
  // A reach is reported where it is: in a function that is no wrapper, when
  // it is unconditional or no caller can supply the values it depends on.
  auto here = [&](const std::string& id, const function_facts& f, const std::vector<param_signs>& when) {
    return !wrapper(id, f) && (when.empty() || called.count(id) == 0 || started.count(id) != 0);
  };
  // A step: a call that reaches a wait here. The reach whose wait the note names.
  auto step = [&](const std::string& id, const function_facts& f,
                  const call_fact& c) -> std::optional<wait_reach> {
    for (auto& r : through(c)) {
      if (here(id, f, r.when)) return std::move(r);
    }
    return std::nullopt;
  };
  auto bare_here = [&](const std::string& id, const function_facts& f, const cv_wait_fact& w) {
    if (w.has_predicate || guarded(w) || w.timed) return false;
    auto when = condition_of(w.param_guards);
    return when && here(id, f, *when);
  };
  std::set<std::string> reported;  // no wrapper, and a bare wait or a step of its own
  for (const auto& [id, f] : p.functions) {
    if (wrapper(id, *f)) continue;
    bool bare = std::any_of(f->cv_waits.begin(), f->cv_waits.end(),
                            [&](const cv_wait_fact& w) { return bare_here(id, *f, w); });
    bool steps = std::any_of(f->calls.begin(), f->calls.end(),
                             [&](const call_fact& c) { return step(id, *f, c).has_value(); });
    if (bare || steps) reported.insert(id);
  }
  std::map<std::string, std::vector<caller>> unlooped;  // reported function -> its calls outside a loop
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) {
      if (!guarded(c) && reported.count(c.callee) != 0)
        unlooped[c.callee].push_back(caller{c.where, f->display});
    }
  }
  for (const auto& id : reported) {
    const function_facts& f = *p.functions.find(id)->second;
    std::vector<note> callers = callers_note(unlooped[id], f.display);
    for (const auto& w : f.cv_waits) {
      if (!bare_here(id, f, w)) continue;
      out.add(w.where,
              fmt::format("condition variable wait without a predicate and outside a loop: {}", kAdvice),
              callers);
    }
    for (const auto& c : f.calls) {
      auto w = step(id, f, c);
      if (!w) continue;
      auto callee = p.functions.find(c.callee);
      std::string name = callee == p.functions.end() ? c.callee.str() : callee->second->display;
      std::vector<note> notes{note{w->wait, fmt::format("the wait, in '{}'", w->function)}};
      notes.insert(notes.end(), callers.begin(), callers.end());
      out.add(
          c.where,
          fmt::format("'{}' waits on a condition variable without a predicate, and this call is outside a "
                      "loop: {}",
                      name, kAdvice),
          std::move(notes));
    }
  }
}

}  // namespace concheck::analyzer::detail
