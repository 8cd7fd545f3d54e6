// Rule self-deadlock: a path acquires a non-recursive lock that the same
// thread already holds (on every path to that point), directly in one body or
// through a callee that takes it.
//
// Identity is per object (lock_name::instance): `this->mu_` twice is a
// re-acquisition, `a.mu_` then `b.mu_` is not (that is lock order's
// business). A lambda written under a lock is not a call (it may run later, on
// another thread); a lambda variable invoked is. A callee's locks are translated to the caller's objects at
// each call (lock_paths.hpp): "this..." becomes the receiver's path, a parameter's path the argument's (a
// lock parameter the lock passed), a global stays itself; a lock local to the callee (a new one on every
// call) and any lock of unknown instance are dropped. Not reported: recursive mutexes, try_lock (it does not
// block; re-trying an owned std::mutex is undefined behaviour, but code that does it tests the result), and
// any shared acquisition: shared after shared blocks only behind a waiting writer, and shared after exclusive
// fails with EDEADLK in glibc (libstdc++ throws) instead of hanging, as docs/design.md says of the runtime
// monitor. Only an exclusive acquisition of a lock held in any mode is reported. Cost: one pass over
// acquisitions and calls, plus a fixed point over the call graph whose summaries hold one witness per (lock,
// instance): O(R * C * L) for R rounds, C call sites and L locks.
#include <fmt/format.h>

#include <optional>

#include "lock_paths.hpp"
#include "rules.hpp"

namespace concheck::analyzer::detail {

namespace {

struct chain_link {
  location site;       // the call
  std::string callee;  // display name of the function called there
};

// A lock a function takes, itself or through its callees, with the instance
// in the function's own terms.
struct taken_lock {
  lock_name lock;
  location where;
  std::string function;  // the function whose body takes it
  bool shared = false;
  std::vector<chain_link> chain;  // calls from `function`'s caller up to the summarized function
};

using lock_key = std::pair<std::string, std::string>;  // id, instance
using summaries = std::map<std::string, std::map<lock_key, taken_lock>>;

bool is_param(const function_facts& f, const std::string& instance) {
  for (const auto& p : f.params) {
    if (path_starts_with(instance, p)) return true;
  }
  return false;
}

// Whether a lock of `f` can be the same object in a caller's frame: a
// global lock, a global object's, or one reached from `this` or a parameter.
bool exported(const function_facts& f, const lock_name& l) {
  const std::string& i = l.instance;
  return i == "global" || i.rfind("global:", 0) == 0 || path_starts_with(i, "this") || is_param(f, i);
}

// The callee's lock `l` in the caller's terms at `call`, or nothing when
// the caller cannot name its object.
std::optional<lock_name> in_caller(const function_facts& callee, const call_fact& call, lock_name l) {
  lock_name mapped = translate_lock(callee, call, std::move(l));
  if (!named_instance(mapped)) return std::nullopt;
  return mapped;
}

// A function that releases a lock it never took (it is entered with the lock
// held: `mu->Unlock(); work(); mu->Lock();`) takes it back for its caller, not
// a second time: its acquisitions of that lock, and its callees', do not count.
bool hands_back(const function_facts& f, const lock_name& l) {
  for (const auto& r : f.released_unheld) {
    if (r.id == l.id) return true;
  }
  return false;
}

summaries summarize(const program& p) {
  summaries s;
  for (const auto& [id, f] : p.functions) {
    auto& mine = s[id];
    for (const auto& a : f->acquisitions) {
      if (a.try_lock || a.lock.recursive || a.lock.instance.empty() || !exported(*f, a.lock) ||
          hands_back(*f, a.lock))
        continue;
      mine.emplace(lock_key{a.lock.id, a.lock.instance},
                   taken_lock{a.lock, a.where, f->display, a.shared, {}});
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      for (const auto& c : f->calls) {
        auto callee = p.functions.find(c.callee);
        auto taken = s.find(c.callee);
        if (callee == p.functions.end() || taken == s.end() || c.callee == id || c.deferred) continue;
        std::vector<taken_lock> inherited;
        for (const auto& [key, t] : taken->second) {
          auto mapped = in_caller(*callee->second, c, t.lock);
          if (!mapped || mapped->recursive || !exported(*f, *mapped) || hands_back(*f, *mapped)) continue;
          taken_lock copy = t;
          copy.lock = *mapped;
          copy.chain.push_back(chain_link{c.where, callee->second->display});
          inherited.push_back(std::move(copy));
        }
        auto& mine = s[id];
        for (auto& t : inherited) {
          changed |= mine.emplace(lock_key{t.lock.id, t.lock.instance}, std::move(t)).second;
        }
      }
    }
  }
  return s;
}

bool same_lock(const lock_name& a, const lock_name& b) {
  return a.id == b.id && named_instance(a) && a.instance == b.instance;
}

constexpr const char* kHint =
    "use a recursive mutex only if re-entry is intended; otherwise split out a helper that expects the "
    "lock held";

}  // namespace

void check_self_deadlock(const program& p, const analysis_options&, rule_output& out) {
  for (const auto& [id, f] : p.functions) {
    for (const auto& a : f->acquisitions) {
      if (a.try_lock || a.shared || a.lock.recursive || a.lock.instance.empty()) continue;
      for (const auto& h : a.held_locks) {
        if (!same_lock(h.lock, a.lock)) continue;
        out.add(a.where,
                fmt::format("self-deadlock: '{}' is acquired while this thread already holds it; {}",
                            a.lock.display, kHint),
                {note{h.where, fmt::format("'{}' first acquired here", h.lock.display)}});
        break;
      }
    }
  }
  summaries s = summarize(p);
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) {
      auto callee = p.functions.find(c.callee);
      auto taken = s.find(c.callee);
      if (c.held_locks.empty() || c.deferred || callee == p.functions.end() || taken == s.end()) continue;
      for (const auto& h : c.held_locks) {
        if (h.lock.recursive || h.lock.instance.empty()) continue;
        for (const auto& [key, t] : taken->second) {
          auto mapped = in_caller(*callee->second, c, t.lock);
          if (!mapped || !same_lock(h.lock, *mapped) || mapped->recursive || t.shared) continue;
          std::vector<note> notes{note{h.where, fmt::format("'{}' first acquired here", h.lock.display)}};
          std::string caller = callee->second->display;
          for (auto link = t.chain.rbegin(); link != t.chain.rend(); ++link) {
            notes.push_back(note{link->site, fmt::format("'{}' calls '{}' here", caller, link->callee)});
            caller = link->callee;
          }
          notes.push_back(
              note{t.where, fmt::format("'{}' acquired again here, in '{}'", h.lock.display, t.function)});
          out.add(
              c.where,
              fmt::format("self-deadlock: '{}' is acquired again (in '{}') while this thread already holds "
                          "it; {}",
                          h.lock.display, t.function, kHint),
              std::move(notes));
          break;
        }
      }
    }
  }
}

}  // namespace concheck::analyzer::detail
