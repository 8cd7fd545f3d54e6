// concheck runtime, race engine: interned locksets (lockset_table.hpp), and
// race_runtime.hpp's lockset_locks and lockset_intersection.
#include "race/lockset_table.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

#include "race/race_runtime.hpp"
#include "race/race_spin_lock.hpp"
#include "thread_registry.hpp"

namespace concheck::race {
namespace {

struct table {
  std::vector<std::vector<std::uint64_t>> sets{{}};  // index 0: the empty set
  std::map<std::vector<std::uint64_t>, std::uint32_t> ids;
  std::unordered_map<std::uint64_t, std::uint32_t> intersections;  // (a << 32 | b), a < b
};

spin_lock g_lock;
table* g_table = nullptr;  // never destroyed: used until the process ends

table* get_table() noexcept {
  if (g_table == nullptr) g_table = new (std::nothrow) table();
  return g_table;
}

std::uint32_t intern_sorted(table& t, std::vector<std::uint64_t>&& ids) {
  if (ids.empty()) return 0;
  auto found = t.ids.find(ids);
  if (found != t.ids.end()) return found->second;
  const auto id = static_cast<std::uint32_t>(t.sets.size());
  t.sets.push_back(ids);
  t.ids.emplace(std::move(ids), id);
  return id;
}

constexpr std::uint32_t kSingleton = 1u << 31;

bool is_singleton(std::uint32_t lockset) noexcept {
  return (lockset & kSingleton) != 0;
}

// A sorted, duplicate-free id array's interned value (table lock held).
std::uint32_t intern_ids(table& t, std::vector<std::uint64_t>&& ids) {
  if (ids.size() == 1 && ids[0] < kSingleton) return kSingleton | static_cast<std::uint32_t>(ids[0]);
  return intern_sorted(t, std::move(ids));
}

}  // namespace

std::uint32_t intern_lockset(const std::uint64_t* ids, std::size_t count) noexcept {
  if (count == 0) return 0;
  bool one_lock = ids[0] < kSingleton;
  for (std::size_t i = 1; i < count && one_lock; ++i) one_lock = ids[i] == ids[0];
  if (one_lock) return kSingleton | static_cast<std::uint32_t>(ids[0]);
  try {
    std::vector<std::uint64_t> sorted(ids, ids + count);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    spin_guard guard(g_lock);
    table* t = get_table();
    return t == nullptr ? 0 : intern_sorted(*t, std::move(sorted));
  } catch (...) {
    return 0;  // out of memory: reported as holding no lock
  }
}

void lockset_table_after_fork() noexcept {
  g_lock.reset_after_fork();
}

std::uint32_t locksets_interned() noexcept {
  spin_guard guard(g_lock);
  return g_table == nullptr ? 0 : static_cast<std::uint32_t>(g_table->sets.size() - 1);
}

std::uint32_t lockset_intersection(std::uint32_t a, std::uint32_t b) noexcept {
  if (a == b) return a;
  if (a == 0 || b == 0) return 0;
  if (is_singleton(a) && is_singleton(b)) return 0;  // two different single locks
  if (is_singleton(b)) std::swap(a, b);
  if (is_singleton(a)) {  // the single lock, if the table set has it
    const std::uint64_t lock = a & ~kSingleton;
    spin_guard guard(g_lock);
    if (g_table == nullptr || b >= g_table->sets.size()) return 0;
    const auto& set = g_table->sets[b];
    return std::binary_search(set.begin(), set.end(), lock) ? a : 0;
  }
  if (a > b) std::swap(a, b);
  const std::uint64_t key = (std::uint64_t{a} << 32) | b;
  detail::inside_scope inside;
  try {
    spin_guard guard(g_lock);
    table* t = get_table();
    if (t == nullptr || a >= t->sets.size() || b >= t->sets.size()) return 0;
    auto cached = t->intersections.find(key);
    if (cached != t->intersections.end()) return cached->second;
    std::vector<std::uint64_t> common;
    const auto& left = t->sets[a];
    const auto& right = t->sets[b];
    std::set_intersection(left.begin(), left.end(), right.begin(), right.end(), std::back_inserter(common));
    const std::uint32_t id = intern_ids(*t, std::move(common));
    t->intersections.emplace(key, id);
    return id;
  } catch (...) {
    return 0;
  }
}

void lockset_locks(std::uint32_t lockset, std::uint64_t* out, std::size_t& count,
                   std::size_t capacity) noexcept {
  count = 0;
  if (lockset == 0 || capacity == 0) return;
  if (is_singleton(lockset)) {
    out[count++] = lockset & ~kSingleton;
    return;
  }
  spin_guard guard(g_lock);
  if (g_table == nullptr || lockset >= g_table->sets.size()) return;
  for (std::uint64_t id : g_table->sets[lockset]) {
    if (count == capacity) break;
    out[count++] = id;
  }
}

}  // namespace concheck::race
