#include "summary.hpp"

#include <algorithm>
#include <optional>

#include "entry_locks.hpp"
#include "fresh_locks.hpp"
#include "holder_lock.hpp"
#include "lock_paths.hpp"
#include "member_origins.hpp"
#include "ownership.hpp"
#include "root_ownership.hpp"
#include "shared_evidence.hpp"
#include "thread_specific.hpp"

namespace concheck::analyzer::detail {

namespace {

// Drops repeated locks of a sorted list; a lock held several ways is
// optional (lock_name::optional) only if every way is.
void unique_locks(std::vector<lock_name>& v) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (kept != 0 && v[kept - 1] == v[i]) {
      v[kept - 1].optional = v[kept - 1].optional && v[i].optional;
      continue;
    }
    if (kept != i) v[kept] = std::move(v[i]);
    ++kept;
  }
  v.erase(v.begin() + static_cast<std::ptrdiff_t>(kept), v.end());
}

}  // namespace

std::vector<lock_name> lock_union(const std::vector<lock_name>& a, const std::vector<lock_name>& b) {
  std::vector<lock_name> out;
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  unique_locks(out);
  return out;
}

bool same_locks(const std::vector<lock_name>& a, const std::vector<lock_name>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const lock_name& x, const lock_name& y) {
    return x == y && x.optional == y.optional;
  });
}

namespace {

std::vector<lock_name> sorted(std::vector<lock_name> v) {
  std::sort(v.begin(), v.end());
  unique_locks(v);
  return v;
}

bool same_entry(const std::optional<std::vector<lock_name>>& a,
                const std::optional<std::vector<lock_name>>& b) {
  return a.has_value() == b.has_value() && (!a || detail::same_locks(*a, *b));
}

// The locks held at every call seen so far: `meet` narrowed to those also in
// `here` (the first call's locks when `meet` is still empty). A lock optional
// at one call is optional in the meet.
void meet_locks(std::optional<std::vector<lock_name>>& meet, std::vector<lock_name> here) {
  if (!meet) {
    meet = std::move(here);
    return;
  }
  std::vector<lock_name> both;
  auto h = here.begin();
  for (const auto& m : *meet) {
    while (h != here.end() && *h < m) ++h;
    if (h == here.end()) break;
    if (!(*h == m)) continue;
    lock_name kept = m;
    kept.optional = m.optional || h->optional;
    both.push_back(kept);
  }
  meet = std::move(both);
}

bool before(const location& a, const location& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// Where the spawning function's concurrent region starts and ends.
struct spawn_region {
  bool any = false;
  location first_spawn;
  bool joined = false;
  location last_join;
};

spawn_region region_of(const function_facts& f) {
  spawn_region r;
  for (const auto& s : f.spawns) {
    if (!r.any || before(s.where, r.first_spawn)) r.first_spawn = s.where;
    r.any = true;
  }
  for (const auto& j : f.joins) {
    if (r.any && before(r.first_spawn, j) && (!r.joined || before(r.last_join, j))) {
      r.last_join = j;
      r.joined = true;
    }
  }
  return r;
}

// A class "takes its own lock" when one of its methods acquires one of its lock
// fields: then its public methods are meant to be called from several threads.
// (A pimpl struct whose owner locks it from outside does not qualify.)
void compute_lock_taking_classes(program& p) {
  for (const auto& [id, f] : p.functions) {
    if (f->owner_class.empty()) continue;
    auto c = p.classes.find(f->owner_class);
    if (c == p.classes.end() || !c->second.owns_lock) continue;
    const std::string field_prefix = f->owner_class + "@FI@";
    for (const auto& a : f->acquisitions) {
      if (a.lock.id.rfind(field_prefix, 0) == 0 || a.lock.id.rfind("this:", 0) == 0)
        c->second.takes_own_lock = true;
    }
  }
}

void compute_roots(program& p) {
  for (const auto& [id, f] : p.functions) {
    for (const auto& s : f->spawns) {
      auto& r = p.roots["thread:" + s.entry];
      if (r.id.empty()) {
        r.id = "thread:" + s.entry;
        r.display = s.entry_display;
        r.started = s.where;
        r.multiplicity = 0;
      }
      r.multiplicity += s.in_loop ? 2 : 1;
      p.roots_of[s.entry].insert(r.id);
      p.root_starts[s.entry].insert(r.id);
    }
    if (!f->spawns.empty()) {
      auto& r = p.roots["spawner:" + id];
      r.id = "spawner:" + id;
      p.root_starts[id].insert(r.id);
      r.display = f->display;
      r.started = region_of(*f).first_spawn;
    }
    if (f->is_method && f->is_public && !f->is_ctor_or_dtor && !f->is_lambda) {
      auto c = p.classes.find(f->owner_class);
      if (c != p.classes.end() && c->second.takes_own_lock) {
        auto& r = p.roots["api:" + c->first];
        r.id = "api:" + c->first;
        r.display = c->second.display;
        r.multiplicity = 2;
        r.started = f->where;
        p.roots_of[id].insert(r.id);
        p.root_starts[id].insert(r.id);
      }
    }
  }
  // Propagate along calls until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      for (const auto& c : f->calls) {
        std::set<std::string> from = p.roots_at(*f, c.where);
        auto& to = p.roots_of[c.callee];
        for (const auto& r : from) changed |= to.insert(r).second;
      }
    }
  }
}

bool callee_class_locks(const program& p, const std::string& callee) {
  auto f = p.functions.find(callee);
  if (f == p.functions.end()) return true;  // unknown: keep the call as evidence
  const std::string& owner = f->second->owner_class;
  auto c = p.classes.find(owner);
  return (c != p.classes.end() && c->second.takes_own_lock) || p.classes_locking_any.count(owner) != 0;
}

// The locks held (some path) at a call, with the holder's stand-in lock when
// the call is on a member its holder's lock protects (holder_lock.hpp).
std::vector<lock_name> held_at_call(const call_fact& call, const holder_locks& holder_locked) {
  std::vector<lock_name> held = sorted(call.held.may);
  if (auto h = holder_locked.find(&call); h != holder_locked.end())
    held = lock_union(held, {holder_lock(h->second)});
  return held;
}

// program::required_this_may: the locks held at every call whose object is
// shared on evidence, for the accesses a method makes to its own object. A
// call on `this` from such a method carries the caller's own figure (the
// same object); any other call, the caller's required_may.
void compute_required_this(program& p, const std::set<std::string>& entries, const call_sites& this_sites,
                           const holder_locks& holder_locked) {
  std::map<std::string, std::optional<std::vector<lock_name>>> table;
  for (const auto& [id, f] : p.functions) {
    if (entries.count(id) != 0 || this_sites.count(id) == 0) table[id] = p.required_may[id];
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, sites] : this_sites) {
      if (entries.count(id) != 0 || p.functions.count(id) == 0) continue;
      std::optional<std::vector<lock_name>> meet;
      for (const auto& [caller, call] : sites) {
        bool same_object = call->receiver == call_fact::receiver_kind::this_object;
        const auto& caller_req = same_object ? table[caller->id] : std::optional(p.required_may[caller->id]);
        if (!caller_req) continue;
        meet_locks(meet, lock_union(held_at_call(*call, holder_locked), *caller_req));
      }
      if (!meet) continue;
      // What every call holds is held at the shared ones too.
      *meet = lock_union(*meet, p.required_may[id]);
      if (!same_entry(table[id], meet)) {
        table[id] = meet;
        changed = true;
      }
    }
  }
  for (const auto& [id, f] : p.functions) p.required_this_may[id] = table[id].value_or(p.required_may[id]);
}

void compute_required(program& p) {
  std::set<std::string> entries;
  for (const auto& [id, f] : p.functions) {
    for (const auto& s : f->spawns) entries.insert(s.entry);
  }
  // Public methods of lock-taking classes are roots (they run concurrently),
  // but what they require is still computed from their call sites when there
  // are any: a public method that every known caller calls under a lock is
  // treated as protected by it (precision over recall).
  std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>> sites;
  // The calls whose object is shared on evidence (shared_evidence.hpp), and
  // every call of a method of a class that locks (written to be shared): what
  // protects a method's own members is decided by these alone.
  std::map<std::string, std::vector<std::pair<const function_facts*, const call_fact*>>> this_sites;
  for (const auto& [id, f] : p.functions) {
    for (const auto& c : f->calls) {
      // A call on an owned object (a local, `this` in a constructor) needs no
      // lock for the callee's own members: it is no evidence either way.
      if (this_owned_at(p, *f, c)) continue;
      // Nor is a method call on an object of unknown origin that no evidence
      // makes shared (a per-call batch reached through a pointer): its
      // callee's locks are decided by the calls on shared objects.
      // A class that locks is written to be shared: any call on it counts.
      if (c.receiver == call_fact::receiver_kind::shared && !shared_receiver(p, *f, c) &&
          !callee_class_locks(p, c.callee))
        continue;
      sites[c.callee].push_back({f, &c});
      if (shared_receiver(p, *f, c) || callee_class_locks(p, c.callee))
        this_sites[c.callee].push_back({f, &c});
    }
  }
  // A call on a member held by value under its holder's lock (holder_lock.hpp).
  const holder_locks holder_locked = holder_locked_calls(sites, exclusive_entry_locks(p));
  // nullopt = "top" (every lock) while no call site has been seen yet.
  std::map<std::string, std::optional<std::vector<lock_name>>> may, must;
  for (const auto& [id, f] : p.functions) {
    bool fixed = entries.count(id) != 0 || sites.count(id) == 0;
    if (fixed) {
      may[id] = sorted(f->requires_locks);
      must[id] = sorted(f->requires_locks);
    } else {
      may[id] = std::nullopt;
      must[id] = std::nullopt;
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      if (entries.count(id) != 0 || sites.count(id) == 0) continue;
      for (int which = 0; which < 2; ++which) {
        auto& table = which == 0 ? may : must;
        std::optional<std::vector<lock_name>> meet;
        for (const auto& [caller, call] : sites[id]) {
          const auto& caller_req = table[caller->id];
          if (!caller_req) continue;
          meet_locks(meet,
                     lock_union(which == 0 ? held_at_call(*call, holder_locked) : sorted(call->held.must),
                                *caller_req));
        }
        if (!meet) continue;
        *meet = lock_union(*meet, sorted(f->requires_locks));
        if (!same_entry(table[id], meet)) {
          table[id] = meet;
          changed = true;
        }
      }
    }
  }
  for (const auto& [id, f] : p.functions) {
    p.required_may[id] = may[id].value_or(std::vector<lock_name>{});
    p.required_must[id] = must[id].value_or(std::vector<lock_name>{});
  }
  compute_required_this(p, entries, this_sites, holder_locked);
  compute_origin_locks(p, entries, this_sites, holder_locked);
}

// A function's locks, one witness per lock and instance (in the function's
// terms). Past kMaxAcquired entries only new lock ids are added: the
// instances a deep call graph can name are bounded (kMaxOrderFields), but
// their product need not be small.
constexpr std::size_t kMaxAcquired = 4096;

std::string acquired_key(const lock_name& l) {
  return l.id.str() + '\x1f' + l.instance.str();
}

bool add_acquired(std::map<std::string, acquired_lock>& mine, const acquired_lock& w) {
  std::string key = acquired_key(w.lock);
  if (mine.size() >= kMaxAcquired) {
    auto it = mine.lower_bound(w.lock.id.str() + '\x1f');
    if (it != mine.end() && it->second.lock.id == w.lock.id) return false;
  }
  return mine.emplace(std::move(key), w).second;
}

void compute_acquires(program& p) {
  for (const auto& [id, f] : p.functions) {
    auto& mine = p.acquires[id];
    for (const auto& a : f->acquisitions)
      add_acquired(mine, acquired_lock{a.lock, a.where, f->display, a.try_lock, a.shared});
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, f] : p.functions) {
      for (const auto& c : f->calls) {
        if (c.callee == id) continue;
        auto inherited = acquired_by_call(p, c);  // a copy: p.acquires[id] may grow below
        auto& mine = p.acquires[id];
        for (const auto& w : inherited) changed |= add_acquired(mine, w);
      }
    }
  }
}

}  // namespace

std::vector<acquired_lock> acquired_by_call(const program& p, const call_fact& call) {
  std::vector<acquired_lock> out;
  auto callee = p.acquires.find(call.callee);
  if (callee == p.acquires.end()) return out;
  auto f = p.functions.find(call.callee);
  for (const auto& [key, w] : callee->second) {
    acquired_lock renamed = w;
    if (f != p.functions.end()) renamed.lock = translate_lock(*f->second, call, w.lock);
    if (callee_local(renamed.lock)) continue;
    out.push_back(renamed);
  }
  return out;
}

std::set<std::string> program::roots_at(const function_facts& f, const location& where) const {
  std::set<std::string> out;
  if (auto it = roots_of.find(f.id); it != roots_of.end()) out = it->second;
  if (!f.spawns.empty()) {
    spawn_region r = region_of(f);
    if (before(r.first_spawn, where) && (!r.joined || before(where, r.last_join)))
      out.insert("spawner:" + f.id);
  }
  return out;
}

bool started_root(const std::string& root) {
  return root.rfind("thread:", 0) == 0;
}

bool program::concurrent_on_evidence(const std::set<std::string>& a, const std::set<std::string>& b) const {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (!started_root(x) && !started_root(y)) continue;
      if (concurrent({x}, {y})) return true;
    }
  }
  return false;
}

bool program::concurrent(const std::set<std::string>& a, const std::set<std::string>& b) const {
  // The region of a function that starts threads (between its first start
  // and its last join) runs on the thread that called the function. When
  // no root reaches either function (each runs on the program's own
  // thread, not on a thread it starts nor in another's region), that
  // thread runs one region after the other: two such regions are
  // concurrent with each other's threads, not with each other.
  auto own_thread_region = [&](const std::string& root) {
    if (root.rfind("spawner:", 0) != 0) return false;
    auto r = roots_of.find(root.substr(8));
    return r == roots_of.end() || r->second.empty();
  };
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (x != y && !(own_thread_region(x) && own_thread_region(y))) return true;
      if (x != y) continue;
      auto r = roots.find(x);
      if (r != roots.end() && r->second.multiplicity >= 2) return true;
    }
  }
  return false;
}

namespace {

bool same_place(const location& a, const location& b) {
  return a.file == b.file && a.line == b.line && a.column == b.column;
}

// For each TU, the USRs it defines that an earlier TU defines elsewhere (a
// distinct entity: `main` of another program, or an external name reused by
// another program), mapped to the TU-local id they get.
// Two TUs defining the USR at one same place (a file compiled twice, a
// header's inline function) share one id, so the entity still counts once.
std::vector<std::map<std::string, std::string>> per_tu_renames(const std::vector<tu_facts_ptr>& facts) {
  std::vector<std::map<std::string, std::string>> renames(facts.size());
  std::map<std::string, const function_facts*> first;
  std::map<std::string, std::string> by_place;  // "USR\nfile:line:col" -> the id its first TU gave it
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (!facts[i]) continue;
    for (const auto& [id, f] : facts[i]->functions) {
      auto [it, inserted] = first.emplace(id, &f);
      if (inserted || same_place(it->second->where, f.where)) continue;
      std::string place = id + "\n" + f.where.file + ":" + std::to_string(f.where.line) + ":" +
                          std::to_string(f.where.column);
      renames[i][id] = by_place.emplace(place, id + "@tu" + std::to_string(i)).first->second;
    }
  }
  return renames;
}

// `f` with its own id, callees and thread entries renamed as `renames` says.
std::unique_ptr<function_facts> rewrite(const function_facts& f,
                                        const std::map<std::string, std::string>& renames) {
  auto copy = std::make_unique<function_facts>(f);
  auto apply = [&](auto& id) {
    if (auto r = renames.find(id); r != renames.end()) id = r->second;
  };
  apply(copy->id);
  for (auto& c : copy->calls) apply(c.callee);
  for (auto& s : copy->spawns) apply(s.entry);
  return copy;
}

// Code that runs only after a call to a function that never returns (as the
// TU defining it summarized it: every path of its body ends in a throw, abort,
// exit or [[noreturn]] call) is dead: its events are dropped from a copy of
// the caller's facts. Calls already known not to return in the caller's own
// TU ended the path there (nothing after them was recorded). Dead code is
// found through after_call, the latest call every path to an event passes;
// calls are numbered in walk order, so one forward pass marks them.
void cut_dead_code(program& p) {
  std::set<std::string> never;
  for (const auto& [id, f] : p.functions) {
    if (f->never_returns) never.insert(id);
  }
  if (never.empty()) return;
  for (auto& [id, fp] : p.functions) {
    const function_facts& f = *fp;
    std::vector<char> dead_after(f.calls.size(), 0);
    bool any = false;
    for (std::size_t i = 0; i < f.calls.size(); ++i) {
      const auto& c = f.calls[i];
      bool dead_itself = c.after_call >= 0 && dead_after[static_cast<std::size_t>(c.after_call)] != 0;
      dead_after[i] = dead_itself || (!c.never_returns && never.count(c.callee) != 0);
      any |= dead_after[i] != 0;
    }
    if (!any) continue;
    auto dead = [&](const auto& event) {
      return event.after_call >= 0 && dead_after[static_cast<std::size_t>(event.after_call)] != 0;
    };
    auto copy = std::make_unique<function_facts>(f);
    // after_call indices of the copy refer to the original calls; nothing
    // after this point reads them.
    std::erase_if(copy->accesses, dead);
    std::erase_if(copy->acquisitions, dead);
    std::erase_if(copy->calls, dead);
    std::erase_if(copy->cv_waits, dead);
    std::erase_if(copy->blocking, dead);
    fp = copy.get();
    p.rewritten.push_back(std::move(copy));
  }
}

// program::overriders and pure_virtuals from every TU's virtual methods: each
// method is added to the overriders of everything above it. O(M * depth).
void compute_overriders(program& p, const std::vector<tu_facts_ptr>& facts) {
  std::map<std::string, std::set<std::string>> direct;  // method -> what it overrides
  for (const auto& tu : facts) {
    if (!tu) continue;
    for (const auto& [id, m] : tu->methods) {
      direct[id].insert(m.overrides.begin(), m.overrides.end());
      if (m.pure) p.pure_virtuals.insert(id);
    }
  }
  std::map<std::string, std::set<std::string>> all;
  for (const auto& [id, bases] : direct) {
    std::set<std::string> seen;
    std::vector<std::string> todo(bases.begin(), bases.end());
    while (!todo.empty()) {
      std::string b = std::move(todo.back());
      todo.pop_back();
      if (b == id || !seen.insert(b).second) continue;
      all[b].insert(id);
      if (auto up = direct.find(b); up != direct.end())
        todo.insert(todo.end(), up->second.begin(), up->second.end());
    }
  }
  for (auto& [id, set] : all) p.overriders[id].assign(set.begin(), set.end());
}

}  // namespace

program build_program(const std::vector<tu_facts_ptr>& facts) {
  program p;
  const auto renames = per_tu_renames(facts);
  std::map<std::string, bool> fresh_seen;  // pointer member -> fresh in every TU that names it
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const auto& tu = facts[i];
    if (!tu) continue;
    for (const auto& [id, f] : tu->functions) {
      if (renames[i].empty()) {
        p.functions.emplace(id, &f);
        continue;
      }
      auto own = renames[i].find(id);
      if (p.functions.count(own != renames[i].end() ? own->second : id) != 0)
        continue;  // first definition wins
      p.rewritten.push_back(rewrite(f, renames[i]));
      p.functions.emplace(p.rewritten.back()->id, p.rewritten.back().get());
    }
    for (const auto& [id, v] : tu->vars) {
      auto [it, inserted] = p.vars.emplace(id, v);
      if (!inserted && it->second.guarded_by.empty()) it->second.guarded_by = v.guarded_by;
    }
    for (const auto& [id, c] : tu->classes) {
      auto [it, inserted] = p.classes.emplace(id, c);
      if (!inserted) it->second.owns_lock |= c.owns_lock;
    }
    for (const auto& [id, fresh] : tu->fresh_pointer_members) {
      auto [it, inserted] = fresh_seen.emplace(id, fresh);
      if (!inserted) it->second = it->second && fresh;
    }
  }
  // "": some TU could not read all its code (ast_member_stores.hpp).
  for (const auto& [id, fresh] : fresh_seen) {
    if (fresh && fresh_seen.count("") == 0) p.fresh_members.insert(id);
  }
  compute_overriders(p, facts);
  cut_dead_code(p);
  compute_lock_taking_classes(p);
  compute_roots(p);
  compute_thread_specific(p);
  compute_factories(p);
  compute_ownership(p);
  compute_root_ownership(p);
  compute_shared_this(p);
  compute_required(p);
  compute_acquires(p);
  return p;
}

}  // namespace concheck::analyzer::detail
