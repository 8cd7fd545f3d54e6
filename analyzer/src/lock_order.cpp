// Rule lock-order-inversion: a cycle in the static lock-order graph.
//
// An edge A -> B means "B is acquired (blocking) while A is held on every
// path": directly in one body, or by a callee (transitively) called while A is
// held. Not edges: a try_lock's target (it cannot block), locks taken together
// by std::scoped_lock/std::lock (they back off), and A -> A (two instances of
// one class member or array element are distinct locks the static names cannot
// tell apart), and a method's acquisition of its own object's lock when the
// call runs on an object no other thread can reach yet (unreached_locks.hpp),
// and any edge into or out of an object's own lock while its constructor or
// destructor owns it (owner_locks.hpp).
// A cycle is not reported when every edge of it is taken under one common
// other lock (a gate lock) or when every acquisition in it is shared.
// Cycles are found per edge by breadth-first search from its target back to
// its source (shortest cycle through each edge), deduplicated by rotation:
// O(E * (V + E)) for V locks and E edges, tiny in practice.
#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "owner_locks.hpp"
#include "rules.hpp"
#include "unreached_locks.hpp"

namespace concheck::analyzer::detail {

namespace {

struct witness {
  location where;        // acquisition, or the call that leads to it
  std::string function;  // where that happens
  bool via_call = false;
  location inner;  // the acquisition inside the callee
  std::string inner_function;
  std::vector<lock_name> also_held;  // other locks held on every path (gate candidates)
  bool shared = false;
};

struct edge {
  lock_name from, to;
  std::vector<witness> witnesses;
};

using edge_map = std::map<std::pair<std::string, std::string>, edge>;

void add_edge(edge_map& edges, const lock_name& from, const acquired_lock& to, witness w) {
  if (from.id == to.lock.id) return;
  auto& e = edges[{from.id, to.lock.id}];
  e.from = from;
  e.to = to.lock;
  e.witnesses.push_back(std::move(w));
}

edge_map build_edges(const program& p) {
  edge_map edges;
  const unreached_locks unreached(p);
  const owner_contexts owners(p);
  for (const auto& [id, f] : p.functions) {
    for (const auto& a : f->acquisitions) {
      if (a.try_lock || owners.own_lock(*f, a.lock)) continue;
      auto held = lock_union(a.held.must, f->requires_locks);
      for (const auto& h : held) {
        if (owners.own_held(*f, a.held_locks, h)) continue;
        witness w{a.where, f->display, false, {}, {}, {}, a.shared};
        for (const auto& o : held) {
          if (o.id != h.id) w.also_held.push_back(o);
        }
        add_edge(edges, h, acquired_lock{a.lock, a.where, f->display, false, a.shared}, std::move(w));
      }
    }
    for (const auto& c : f->calls) {
      auto held = lock_union(c.held.must, f->requires_locks);
      for (const auto& acq : acquired_by_call(p, c)) {
        if (acq.try_lock || unreached.unreached_at(*f, c, acq.lock.id)) continue;
        if (owners.in_place(*f, c) && unreached.callee_own(c, acq.lock.id)) continue;
        for (const auto& h : held) {
          if (owners.own_held(*f, c.held_locks, h)) continue;
          witness w{c.where, f->display, true, acq.where, acq.function, {}, acq.shared};
          for (const auto& o : held) {
            if (o.id != h.id) w.also_held.push_back(o);
          }
          add_edge(edges, h, acq, std::move(w));
        }
      }
    }
  }
  for (auto& [key, e] : edges) {
    std::sort(e.witnesses.begin(), e.witnesses.end(),
              [](const witness& a, const witness& b) { return location_less(a.where, b.where); });
  }
  return edges;
}

// Locks held (besides the edge's own) by every witness of the edge.
std::vector<lock_name> common_held(const edge& e) {
  std::vector<lock_name> common = e.witnesses.front().also_held;
  for (const auto& w : e.witnesses) {
    std::vector<lock_name> both;
    std::set_intersection(common.begin(), common.end(), w.also_held.begin(), w.also_held.end(),
                          std::back_inserter(both));
    common = both;
  }
  return common;
}

std::string describe(const edge& e, const witness& w) {
  if (w.via_call) {
    return fmt::format("'{}' acquired (in '{}') while holding '{}'", e.to.display, w.inner_function,
                       e.from.display);
  }
  return fmt::format("'{}' acquired while holding '{}'", e.to.display, e.from.display);
}

}  // namespace

void check_lock_order(const program& p, const analysis_options&, rule_output& out) {
  edge_map edges = build_edges(p);
  std::map<std::string, std::vector<std::string>> next;
  for (const auto& [key, e] : edges) next[key.first].push_back(key.second);
  std::set<std::vector<std::string>> seen;
  for (const auto& [key, e] : edges) {
    // Shortest path from e.to back to e.from.
    std::map<std::string, std::string> parent;
    std::deque<std::string> queue{key.second};
    parent[key.second] = "";
    while (!queue.empty() && parent.count(key.first) == 0) {
      std::string n = queue.front();
      queue.pop_front();
      for (const auto& m : next[n]) {
        if (parent.count(m) == 0) {
          parent[m] = n;
          queue.push_back(m);
        }
      }
    }
    if (parent.count(key.first) == 0) continue;
    std::vector<std::string> cycle;  // from, to, ..., (back to from)
    for (std::string n = key.first; !n.empty(); n = parent[n]) cycle.push_back(n);
    std::reverse(cycle.begin(), cycle.end());  // to ... from
    cycle.insert(cycle.begin(), key.first);    // from, to, ..., from
    cycle.pop_back();
    auto canonical = cycle;
    std::rotate(canonical.begin(), std::min_element(canonical.begin(), canonical.end()), canonical.end());
    if (!seen.insert(canonical).second) continue;

    std::vector<const edge*> path;
    for (std::size_t i = 0; i < cycle.size(); ++i)
      path.push_back(&edges.at({cycle[i], cycle[(i + 1) % cycle.size()]}));
    // Gate lock: one other lock held across every edge.
    std::vector<lock_name> gate = common_held(*path.front());
    bool all_shared = true;
    for (const edge* pe : path) {
      auto c = common_held(*pe);
      std::vector<lock_name> both;
      std::set_intersection(gate.begin(), gate.end(), c.begin(), c.end(), std::back_inserter(both));
      gate = both;
      for (const auto& w : pe->witnesses) all_shared &= w.shared;
    }
    std::erase_if(
        gate, [&](const lock_name& l) { return std::find(cycle.begin(), cycle.end(), l.id) != cycle.end(); });
    if (!gate.empty() || all_shared) continue;

    // Report at the earliest site; every other edge (the other order) is a note.
    std::size_t first = 0;
    for (std::size_t i = 1; i < path.size(); ++i) {
      if (location_less(path[i]->witnesses.front().where, path[first]->witnesses.front().where)) first = i;
    }
    const edge& main_edge = *path[first];
    const witness& mw = main_edge.witnesses.front();
    std::string order;
    for (std::size_t i = 0; i <= path.size(); ++i) {
      order += (i ? " -> " : "") + path[(first + i) % path.size()]->from.display;
    }
    diagnostic d;
    d.where = mw.where;
    if (path.size() == 2) {
      d.message = fmt::format(
          "lock order inversion: {}, but elsewhere '{}' is acquired while holding '{}' (potential deadlock)",
          describe(main_edge, mw), main_edge.from.display, main_edge.to.display);
    } else {
      d.message = fmt::format("lock order inversion: {} closes the cycle {} (potential deadlock)",
                              describe(main_edge, mw), order);
    }
    if (mw.via_call)
      d.notes.push_back(note{mw.inner, fmt::format("'{}' acquired here", main_edge.to.display)});
    for (std::size_t i = 1; i < path.size(); ++i) {
      const edge& oe = *path[(first + i) % path.size()];
      const witness& ow = oe.witnesses.front();
      d.notes.push_back(note{ow.where, describe(oe, ow) + " here, in '" + ow.function + "'"});
      if (ow.via_call) d.notes.push_back(note{ow.inner, fmt::format("'{}' acquired here", oe.to.display)});
    }
    out.add(std::move(d.where), std::move(d.message), std::move(d.notes));
  }
}

}  // namespace concheck::analyzer::detail
