// Rule cv-wait-no-loop: a condition-variable wait without a predicate that no
// loop re-checks, looked for through wrappers.
//
// A function "waits unguarded" when it waits without a predicate outside a
// loop, or calls outside a loop a function that waits unguarded (a wrapper
// such as leveldb's port::CondVar::Wait, whose own wait() is bare because its
// callers loop). Where the unguarded wait is reported is where no caller can
// loop around it any more: in a function that nobody calls (or that a thread
// starts), at its bare wait or at its call of the wrapper. A function with
// callers hands the question to them, as the lockset does with the locks held
// at call sites. A function named wait*/Wait* that nobody calls is taken for a
// wrapper whose callers are not in the analyzed code, and not reported.
// Cost: a fixed point over the call graph, O(R * C) for R rounds and C calls.
#include <fmt/format.h>

#include <cctype>

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

}  // namespace

void check_cv_wait_no_loop(const program& p, const analysis_options&, rule_output& out) {
  std::map<std::string, bare_wait> waits;  // function -> its first bare wait
  for (const auto& [id, f] : p.functions) {
    for (const auto& w : f->cv_waits) {
      if (w.has_predicate || w.in_loop) continue;
      waits.emplace(id, bare_wait{w.where, f->display});
      break;
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (waits.count(id) != 0) continue;
      for (const auto& c : f->calls) {
        auto w = waits.find(c.callee);
        if (c.in_loop || w == waits.end()) continue;
        waits.emplace(id, w->second);
        changed = true;
        break;
      }
    }
  }
  std::set<std::string> called, started;
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) called.insert(c.callee);
    for (const auto& s : f->spawns) started.insert(s.entry);
  }
  for (const auto& [id, f] : p.functions) {
    if (waits.count(id) == 0) continue;
    bool top = called.count(id) == 0 || started.count(id) != 0;
    if (!top || (called.count(id) == 0 && started.count(id) == 0 && wrapper_name(*f))) continue;
    for (const auto& w : f->cv_waits) {
      if (w.has_predicate || w.in_loop) continue;
      out.add(w.where,
              fmt::format("condition variable wait without a predicate and outside a loop: {}", kAdvice));
    }
    for (const auto& c : f->calls) {
      auto w = waits.find(c.callee);
      if (c.in_loop || w == waits.end()) continue;
      auto callee = p.functions.find(c.callee);
      std::string name = callee == p.functions.end() ? c.callee.str() : callee->second->display;
      out.add(
          c.where,
          fmt::format("'{}' waits on a condition variable without a predicate, and this call is outside a "
                      "loop: {}",
                      name, kAdvice),
          {note{w->second.where, fmt::format("the wait, in '{}'", w->second.function)}});
    }
  }
}

}  // namespace concheck::analyzer::detail
