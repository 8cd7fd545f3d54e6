// Rule lock-order-inversion: a cycle in the static lock-order graph.
//
// Nodes are locks as access paths, equal modulo the root (lock_paths.hpp,
// order_node): `this->mu_`, `other.mu_` and `from->mu_` are one node,
// `this->peer_->mu_` another, a global object's lock its own. An edge A -> B
// means "B is acquired (blocking) while A is held on every path": directly in
// one body, or by a callee (transitively) called while A is held, the callee's
// locks translated to the caller's objects at each call. Not edges: a
// try_lock's target (it cannot block), locks taken together by
// std::scoped_lock/std::lock (they back off), two locks of one name except
// between two objects the callers choose (`this` or parameters: transfer(from,
// to), a self-loop reported as its own inversion; elements, an object and one
// it points at are never ordered), a method's acquisition of its own object's
// lock when the call runs on an object no other thread can reach yet
// (unreached_locks.hpp) or on one the caller has just made (fresh_locks.hpp),
// and any edge into or out of an object's own lock
// while its constructor or destructor owns it (owner_locks.hpp).
// A cycle is not reported when every edge of it is taken under one common
// other lock (a gate lock) or when every acquisition in it is shared.
// Cycles are found per edge by breadth-first search from its target back to
// its source (shortest cycle through each edge), deduplicated by rotation:
// O(E * (V + E)) for V locks and E edges, tiny in practice.
#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "fresh_locks.hpp"
#include "lock_paths.hpp"
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
  lock_name from_lock{}, to_lock{};  // the two locks, with their objects (set by add_edge)
};

struct edge {
  lock_name from, to;
  std::vector<witness> witnesses;
};

using edge_map = std::map<std::pair<std::string, std::string>, edge>;

// The node's name for the user: the lock, and the path to it when the node
// is not the lock of every object (`account::mu_ of *.peer_`).
lock_name node_lock(lock_name l, const std::string& owner_class) {
  std::string suffix = order_suffix(l, owner_class);
  if (suffix.rfind("global:", 0) == 0) {
    l.display = interned(l.display.str() + " of " + instance_display(l));
  } else if (!suffix.empty()) {
    l.display = interned(l.display.str() + " through " + suffix.substr(1));
  }
  return l;
}

// An edge between two locks with one name is drawn only between two objects
// the function's callers choose (`this` or parameters, different paths):
// `transfer(from, to)` locking from->mu_ then to->mu_ inverts with a call
// passing them the other way round. Other pairs (two elements, an object
// and one it points at, objects of unknown origin) are not ordered.
// `to_owner`: the class whose methods name `to` (lock_paths.hpp, order_node),
// when it is not `f`'s (a lock reached from a fresh object, fresh_locks.hpp).
void add_edge(edge_map& edges, const function_facts& f, const lock_name& from, const acquired_lock& to,
              witness w, const std::string* to_owner = nullptr) {
  const std::string& owner = to_owner != nullptr ? *to_owner : f.owner_class;
  std::string a = order_node(from, f.owner_class), b = order_node(to.lock, owner);
  if (from.id == to.lock.id) {
    if (a != b || from.instance == to.lock.instance || !caller_chosen(f, from) || !caller_chosen(f, to.lock))
      return;
  }
  w.from_lock = from;
  w.to_lock = to.lock;
  auto& e = edges[{a, b}];
  e.from = node_lock(from, f.owner_class);
  e.to = node_lock(to.lock, owner);
  e.witnesses.push_back(std::move(w));
}

// The locks held on every path at a point, each instance on its own.
std::vector<lock_name> held_instances(const std::vector<lock_name>& must, const std::vector<held_lock>& held,
                                      const std::vector<lock_name>& required) {
  std::vector<lock_name> out;
  auto add = [&](const lock_name& l) {
    for (const auto& o : out) {
      if (o.id == l.id && o.instance == l.instance) return;
    }
    out.push_back(l);
  };
  for (const auto& m : must) {
    bool any = false;
    for (const auto& h : held) {
      if (h.lock.id != m.id) continue;
      add(h.lock);
      any = true;
    }
    if (!any) add(m);
  }
  for (const auto& r : required) add(r);
  return out;
}

// The other locks held with `h` (gate candidates), sorted by id.
std::vector<lock_name> also_held(const std::vector<lock_name>& held, const lock_name& h) {
  std::vector<lock_name> out;
  for (const auto& o : held) {
    if (o.id != h.id) out.push_back(o);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

edge_map build_edges(const program& p) {
  edge_map edges;
  const unreached_locks unreached(p);
  const owner_contexts owners(p);
  const fresh_objects fresh(p);
  for (const auto& [id, f] : p.functions) {
    for (const auto& a : f->acquisitions) {
      if (a.try_lock || owners.own_lock(*f, a.lock)) continue;
      auto held = held_instances(a.held.must, a.held_locks, f->requires_locks);
      for (const auto& h : held) {
        if (owners.own_held(*f, a.held_locks, h)) continue;
        witness w{a.where, f->display, false, {}, {}, also_held(held, h), a.shared};
        add_edge(edges, *f, h, acquired_lock{a.lock, a.where, f->display, false, a.shared}, std::move(w));
      }
    }
    for (const auto& c : f->calls) {
      auto held = held_instances(c.held.must, c.held_locks, f->requires_locks);
      if (held.empty()) continue;
      const bool on_fresh = fresh.fresh_at(c);
      const std::string* fresh_class = on_fresh ? fresh.object_class(c) : nullptr;
      for (auto acq : acquired_by_call(p, c)) {
        if (acq.try_lock || unreached.unreached_at(*f, c, acq.lock.id)) continue;
        if (on_fresh && fresh_objects::own_lock(c, acq.lock)) continue;
        // A lock reached from the fresh object through its members is the
        // node its own class's methods name (`this->_monitor_socket->_sync`).
        const bool from_object = fresh_class != nullptr && fresh_objects::as_object_sees(c, acq.lock);
        if (owners.in_place(*f, c) && unreached.callee_own(c, acq.lock.id)) continue;
        for (const auto& h : held) {
          if (owners.own_held(*f, c.held_locks, h)) continue;
          witness w{c.where, f->display, true, acq.where, acq.function, also_held(held, h), acq.shared};
          add_edge(edges, *f, h, acq, std::move(w), from_object ? fresh_class : nullptr);
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
    std::erase_if(gate, [&](const lock_name& l) {
      return std::any_of(path.begin(), path.end(), [&](const edge* pe) { return pe->from.id == l.id; });
    });
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
    if (path.size() == 1) {
      d.message = fmt::format(
          "lock order inversion: '{}' of '{}' acquired{} while holding '{}' of '{}', another object of the "
          "same "
          "class; a call with the two objects the other way round takes them in the opposite order "
          "(potential "
          "deadlock)",
          main_edge.to.display, instance_display(mw.to_lock),
          mw.via_call ? " (in '" + mw.inner_function + "')" : "", main_edge.from.display,
          instance_display(mw.from_lock));
    } else if (path.size() == 2) {
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
