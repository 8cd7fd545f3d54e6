// Ownership over the merged program: see ownership.hpp.
#include "ownership.hpp"

#include <algorithm>

#include "before_start.hpp"
#include "owned_until.hpp"
#include "thread_specific.hpp"

namespace concheck::analyzer::detail {

namespace {

bool runs_on_object(const program& p, const std::string& callee) {
  if (callee.rfind("lambda@", 0) == 0) return true;
  auto it = p.functions.find(callee);
  return it != p.functions.end() && (it->second->is_method || it->second->is_lambda);
}

}  // namespace

bool owned_origin(const program& p, const function_facts& caller, const arg_origin& o) {
  switch (o.what) {
    case arg_origin::kind::owned:
      // A local holding a factory's object: owned if each is a factory.
      return std::all_of(o.fresh_sources.begin(), o.fresh_sources.end(),
                         [&](const interned& s) { return p.factories.count(s.str()) != 0; });
    case arg_origin::kind::this_object:
      return p.owned_this.count(caller.id) != 0;
    case arg_origin::kind::param: {
      auto it = p.owned_params.find(caller.id);
      return it != p.owned_params.end() && o.param >= 0 &&
             static_cast<std::size_t>(o.param) < it->second.size() &&
             it->second[static_cast<std::size_t>(o.param)];
    }
    case arg_origin::kind::shared:
    case arg_origin::kind::shared_root:
      return false;
  }
  return false;
}

bool this_owned_at(const program& p, const function_facts& caller, const call_fact& call) {
  if (!runs_on_object(p, call.callee)) return false;
  auto callee = p.functions.find(call.callee);
  if (callee != p.functions.end() && callee->second->is_ctor_or_dtor) return true;
  if (thread_own_receiver(p, call)) return true;  // each thread's own object (thread_specific.hpp)
  switch (call.receiver) {
    case call_fact::receiver_kind::local:
      return true;
    case call_fact::receiver_kind::this_object:
      return p.owned_this.count(caller.id) != 0;
    case call_fact::receiver_kind::none:  // a lambda called where it is written
      return call.callee.rfind("lambda@", 0) == 0 && p.owned_this.count(caller.id) != 0;
    case call_fact::receiver_kind::shared:
      return call.receiver_param >= 0 &&
             owned_origin(p, caller, arg_origin{arg_origin::kind::param, call.receiver_param, {}});
  }
  return false;
}

namespace {

// A call made by a constructor or destructor on its own object or a member
// of it held by value (`shard_[s].SetCapacity(n)` in the container's
// constructor), when neither the caller nor the callee may start a thread
// or expose `this`: the object is being built or torn down, and nothing
// hands it to another thread meanwhile.
bool built_in_place(const program& p, const function_facts& caller, const call_fact& call) {
  auto none = [&](const std::string& f) { return p.may_start.count(f) == 0 && p.exposes_this.count(f) == 0; };
  return caller.is_ctor_or_dtor && call.receiver == call_fact::receiver_kind::this_object &&
         call.receiver_in_this && none(caller.id) && none(call.callee);
}

// A call made by a method whose `this` is owned before start (an api method
// every call of which runs on an object no thread reaches yet, through the
// rule of before_start.hpp, itself or transitively) on its own object or a
// member of it held by value (`db_.tune_logger(l)` in the holder's own
// `tune_logger`), when neither the caller nor the callee may start a thread
// or expose `this`: the member lives inside the caller's object, so no
// thread reaches it either. The caller's ownership is re-checked every round
// of the fixed point, so an erased caller erases this callee's in the next.
bool part_of_owned_caller(const program& p, const std::set<std::string>& api_methods,
                          const function_facts& caller, const call_fact& call) {
  auto none = [&](const std::string& f) { return p.may_start.count(f) == 0 && p.exposes_this.count(f) == 0; };
  return !caller.is_ctor_or_dtor && api_methods.count(caller.id) != 0 && p.owned_this.count(caller.id) != 0 &&
         call.receiver == call_fact::receiver_kind::this_object && call.receiver_in_this && none(caller.id) &&
         none(call.callee);
}

}  // namespace

void compute_ownership(program& p) {
  compute_before_start(p);
  std::set<std::string> entries;
  std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>> sites;
  for (const auto& [id, f] : p.functions) {
    for (const auto& s : f->spawns) entries.insert(s.entry);
    for (const auto& c : f->calls) sites[c.callee].push_back({f, &c});
  }
  // A program that starts no thread of its own gets its concurrency from
  // outside (a library's classes that take their own lock, used by a test's
  // main): their public methods stay shared by design, whatever the calls in
  // sight. Only a program that starts threads shows where its objects become
  // shared, so only there is an object owned before the thread start that
  // can reach it.
  bool starts_threads = false;
  for (const auto& [id, f] : p.functions) starts_threads = starts_threads || !f->spawns.empty();
  // Start from "owned" wherever there are known callers and remove what some
  // call site contradicts, until nothing changes.
  std::set<std::string> api_methods;
  for (const auto& [id, f] : p.functions) {
    bool called = sites.count(id) != 0 && entries.count(id) == 0;
    p.owned_params[id].assign(f->params.size(), called);
    // The public methods of a class that takes its own lock are meant for
    // objects many threads share (api roots): their `this` is not owned
    bool api = false;
    if (auto r = p.roots_of.find(id); r != p.roots_of.end() && f->is_method && f->is_public)
      api = r->second.count("api:" + f->owner_class) != 0;
    // Unless every call is on a local object no thread can reach yet
    // (before_start.hpp), checked at each call site below.
    if (api) api_methods.insert(id);
    if (f->is_ctor_or_dtor || (called && (!api || !f->is_virtual) && (f->is_method || f->is_lambda)))
      p.owned_this.insert(id);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      auto s = sites.find(id);
      if (s == sites.end()) continue;
      auto& params = p.owned_params[id];
      for (const auto& [caller, call] : s->second) {
        for (std::size_t i = 0; i < params.size(); ++i) {
          if (!params[i]) continue;
          bool owned = i < call->arg_origins.size() && owned_origin(p, *caller, call->arg_origins[i]);
          if (!owned) {
            params[i] = false;
            changed = true;
          }
        }
        bool owned_here = api_methods.count(id) != 0
                              ? (starts_threads && before_start_at(p, *caller, *call)) ||
                                    built_in_place(p, *caller, *call) ||
                                    part_of_owned_caller(p, api_methods, *caller, *call)
                              : this_owned_at(p, *caller, *call);
        if (!f->is_ctor_or_dtor && p.owned_this.count(id) != 0 && !owned_here) {
          p.owned_this.erase(id);
          changed = true;
        }
      }
    }
  }
  // A method that starts its own threads (or may), called only on locals no
  // thread reaches yet (`w.start(1)` right after `worker w;`): its `this` is
  // owned up to its points where a thread may first reach it
  // (own_start_point); see owned_up_to_call for its other call sites.
  compute_owned_until(p, sites, entries);
}

bool owned_access(const program& p, const function_facts& f, const access_fact& a) {
  if (a.base == access_base::this_object) {
    if (p.owned_this.count(f.id) != 0) return true;
    auto until = p.owned_until.find(f.id);
    return until != p.owned_until.end() && owned_before_start(until->second, a.where);
  }
  if (a.base != access_base::param || a.param < 0) return false;
  auto it = p.owned_params.find(f.id);
  return it != p.owned_params.end() && static_cast<std::size_t>(a.param) < it->second.size() &&
         it->second[static_cast<std::size_t>(a.param)];
}

}  // namespace concheck::analyzer::detail
