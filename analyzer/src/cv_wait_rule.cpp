// Rule cv-wait-no-loop: a condition-variable wait without a predicate that no
// loop re-checks, looked for through wrappers, reported once per wait at the
// place to fix it (docs/analyzer-checks.md, cv-wait-no-loop).
//
// A "wrapper" is a function some caller calls inside a loop (leveldb's
// port::CondVar::Wait: its callers loop), or one named wait*/Wait* (its job
// is to wait once: its callers are responsible); a function a thread starts
// is none. A wrapper "hands on" a wait when it waits without a predicate
// outside a loop, or calls outside a loop a wrapper that hands one on. A
// step of a function is its bare wait, or its call outside a loop of a
// wrapper that hands one on. A function that is no wrapper is reported at
// each step: no caller loops around it (or it has none, or a thread starts
// it), so it is the innermost place to fix, and its callers, which reach the
// wait only through it, are not reported again; a note counts them and names
// a few. A wrapper is not reported; its callers that do not loop are, at
// their call. Cost: a fixed point over the wrappers, O(R * C) for R rounds and
// C calls, then O(C log C) to collect the callers of reported functions.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <tuple>

#include "rules.hpp"

namespace concheck::analyzer::detail {

namespace {

constexpr const char* kAdvice =
    "a spurious or stolen wakeup continues with the condition false; use wait(lock, predicate) or re-check "
    "in a while loop";

// The first bare wait a function reaches (itself or through calls).
struct bare_wait {
  location where;
  std::string function;
};

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
  std::set<std::string> looped, started;
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) {
      if (c.in_loop) looped.insert(c.callee);
    }
    for (const auto& s : f->spawns) started.insert(s.entry);
  }
  auto wrapper = [&](const std::string& id, const function_facts& f) {
    if (started.count(id) != 0) return false;
    return looped.count(id) != 0 || wrapper_name(f);
  };
  // A wrapper that waits unguarded hands its wait to its callers: wrapper ->
  // the first bare wait it reaches through wrappers.
  std::map<std::string, bare_wait> handed;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (handed.count(id) != 0 || !wrapper(id, *f)) continue;
      for (const auto& w : f->cv_waits) {
        if (w.has_predicate || w.in_loop || w.timed) continue;
        handed.emplace(id, bare_wait{w.where, f->display});
        changed = true;
        break;
      }
      if (handed.count(id) != 0) continue;
      for (const auto& c : f->calls) {
        auto w = handed.find(c.callee);
        if (c.in_loop || w == handed.end()) continue;
        handed.emplace(id, w->second);
        changed = true;
        break;
      }
    }
  }
  auto step = [&](const call_fact& c) { return !c.in_loop && handed.count(c.callee) != 0; };
  std::set<std::string> reported;  // no wrapper, and a bare wait or a step of its own
  for (const auto& [id, f] : p.functions) {
    if (wrapper(id, *f)) continue;
    bool bare = std::any_of(f->cv_waits.begin(), f->cv_waits.end(),
                            [](const cv_wait_fact& w) { return !w.has_predicate && !w.in_loop && !w.timed; });
    if (bare || std::any_of(f->calls.begin(), f->calls.end(), step)) reported.insert(id);
  }
  std::map<std::string, std::vector<caller>> unlooped;  // reported function -> its calls outside a loop
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) {
      if (!c.in_loop && reported.count(c.callee) != 0)
        unlooped[c.callee].push_back(caller{c.where, f->display});
    }
  }
  for (const auto& id : reported) {
    const function_facts& f = *p.functions.find(id)->second;
    std::vector<note> callers = callers_note(unlooped[id], f.display);
    for (const auto& w : f.cv_waits) {
      if (w.has_predicate || w.in_loop || w.timed) continue;
      out.add(w.where,
              fmt::format("condition variable wait without a predicate and outside a loop: {}", kAdvice),
              callers);
    }
    for (const auto& c : f.calls) {
      if (!step(c)) continue;
      const bare_wait& w = handed.at(c.callee);
      auto callee = p.functions.find(c.callee);
      std::string name = callee == p.functions.end() ? c.callee.str() : callee->second->display;
      std::vector<note> notes{note{w.where, fmt::format("the wait, in '{}'", w.function)}};
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
