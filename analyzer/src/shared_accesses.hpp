// concheck analyzer: the accesses to data other threads can reach, as the
// unprotected-write and unprotected-read rules see them (private).
//
// collect_shared_accesses() groups every access by variable and drops what
// cannot race: atomics, constants, thread-locals, fields of library classes
// (std::pair::second), accesses to owned data (ownership.hpp: locals, fresh
// memory, parameters every caller passes its own data for, `this` in
// constructors, destructors and methods only called on owned objects), and a
// member of a lock-free class reached through `this` in a method whose object
// no other thread reaches (program::shared_this: the object is not reachable
// from shared state). With raw_unprotected_writes only the first group is
// dropped. Each access carries its effective locks (flow "may" set, plus the
// locks every caller holds, plus REQUIRES) and the thread roots it runs under.
// The accesses of one variable are sorted by location.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "summary.hpp"

namespace concheck::analyzer::detail {

struct located_access {
  const access_fact* access;
  const function_facts* function;
  std::vector<lock_name> held;  // effective (may) locks
  std::set<std::string> roots;
  // For an access a method makes to its own object when that object is
  // reached through holders' fresh pointer members (member_origins.hpp): per
  // origin (the member's USR, or "" for any other way), the effective locks
  // of the calls with that origin. Empty: the object may be any other.
  std::map<std::string, std::vector<lock_name>> origin_held;
  std::map<std::string, std::set<std::string>> origin_roots;  // ... and the roots of those calls
};

std::map<std::string, std::vector<located_access>> collect_shared_accesses(const program& p, bool raw);

// The lock most often held where these accesses happen, with the first access
// that holds it (nullptr/empty when no access holds a lock). `writes_only`
// counts writes alone; `unconditional_only` leaves out holds of a lock taken
// only when a condition chose to (lock_name::optional).
struct lock_witness {
  const located_access* access = nullptr;
  const lock_name* lock = nullptr;
};
lock_witness most_held_lock(const std::vector<located_access>& accesses, bool writes_only,
                            bool unconditional_only = false);

}  // namespace concheck::analyzer::detail
