// Thread-specific data over the merged program: see thread_specific.hpp.
#include "thread_specific.hpp"

namespace concheck::analyzer::detail {

namespace {

using call_sites = std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>>;

// Whether every value that reaches `o` (an origin in function `f`) is this
// call's own: owned, or a parameter every caller fills with such a value.
// `visiting` breaks cycles of parameters passed around (greatest fixed point:
// a cycle adds no value of its own).
bool owned_value(const call_sites& sites, const std::set<std::string>& entries, const function_facts& f,
                 const arg_origin& o, std::set<std::pair<std::string, int>>& visiting) {
  switch (o.what) {
    case arg_origin::kind::owned:
      return true;
    case arg_origin::kind::param: {
      if (o.param < 0 || entries.count(f.id) != 0) return false;
      if (!visiting.insert({f.id, o.param}).second) return true;
      auto s = sites.find(f.id);
      if (s == sites.end() || s->second.empty()) return false;
      for (const auto& [caller, call] : s->second) {
        std::size_t i = static_cast<std::size_t>(o.param);
        if (i >= call->arg_origins.size()) return false;
        if (!owned_value(sites, entries, *caller, call->arg_origins[i], visiting)) return false;
      }
      return true;
    }
    case arg_origin::kind::this_object:
    case arg_origin::kind::shared:
    case arg_origin::kind::shared_root:
      return false;
  }
  return false;
}

}  // namespace

void compute_thread_specific(program& p) {
  p.thread_own_sources.clear();
  call_sites sites;
  std::set<std::string> entries;
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) sites[c.callee].push_back({f, &c});
    for (const auto& s : f->spawns) entries.insert(s.entry);
  }
  std::set<std::pair<std::string, int>> visiting;
  for (const auto& [id, f] : p.functions) {
    for (const auto& v : f->specific_values) {
      if (!owned_value(sites, entries, *f, v, visiting)) return;  // some thread may store a shared object
    }
  }
  std::set<std::string> own{"pthread_getspecific"};
  for (const auto& [id, f] : p.functions) {
    if (f->returns_specific) own.insert(id);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (own.count(id) == 0) continue;
      for (const auto& s : f->specific_sources) {
        if (own.count(s) == 0) {
          own.erase(id);
          changed = true;
          break;
        }
      }
    }
  }
  p.thread_own_sources = std::move(own);
}

bool thread_own_receiver(const program& p, const call_fact& call) {
  return !call.receiver_source.empty() && p.thread_own_sources.count(call.receiver_source) != 0;
}

}  // namespace concheck::analyzer::detail
