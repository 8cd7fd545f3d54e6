// concheck runtime: the per-location access summary (access_summary.hpp).
#include "access_summary.hpp"

#include <fmt/format.h>
#include <link.h>

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/log_records.hpp"
#include "options.hpp"
#include "race_runtime.hpp"
#include "registry_dump.hpp"
#include "report_sink.hpp"
#include "stack_depot.hpp"
#include "symbolize.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {
namespace {

constexpr std::size_t kMaxSites = 4096;

// The granules of one location, merged (access_summary.hpp has the order).
struct verdict {
  bool touched = false;
  bool racy = false;
  bool synchronized = false;
  bool locked = false;
  bool atomic = false;
  bool several_owners = false;  // one-thread bytes of different threads
  std::uint64_t owner = 0;
  std::uint32_t lockset = 0;  // of the locked bytes (valid when locked)
  std::uint64_t bytes = 0;

  void add(const race::location_state& s) {
    atomic = atomic || s.atomic;
    bytes += 8;
    switch (s.state) {
      case race::sharing::untouched:
        return;
      case race::sharing::one_thread:
        if (!touched || (!several_owners && owner == s.owner)) {
          owner = s.owner;
        } else {
          several_owners = true;
        }
        break;
      case race::sharing::locked:
        lockset = locked ? race::lockset_intersection(lockset, s.lockset) : s.lockset;
        locked = true;
        break;
      case race::sharing::synchronized:
        synchronized = true;
        break;
      case race::sharing::racy:
        racy = true;
        break;
    }
    touched = true;
  }

  const char* sharing() const {
    if (racy) return "racy";
    if (synchronized || (locked && lockset == 0)) return "synchronized";
    if (locked) return "locked";
    if (several_owners) return "partitioned";
    return "thread-local";
  }
};

// Heap blocks of one allocation site.
struct site_record {
  std::uint64_t blocks = 0;
  std::uint64_t max_size = 0;
  std::uintptr_t address = 0;  // one block (the last seen)
  std::uint64_t thread = 0;    // the allocating thread of the first block
  bool racy = false;
  bool synchronized = false;
  bool locked = false;
  bool partitioned = false;
  bool atomic = false;
  bool owners_differ = false;  // thread-local blocks of different threads
  std::uint64_t owner = 0;
  std::uint32_t lockset = 0;

  void add(const heap_block& block, const verdict& v) {
    if (blocks == 0) thread = block.thread;
    ++blocks;
    max_size = std::max<std::uint64_t>(max_size, block.size);
    address = block.address;
    racy = racy || v.racy;
    synchronized = synchronized || v.synchronized || (v.locked && v.lockset == 0);
    if (v.locked && v.lockset != 0) {
      lockset = locked ? race::lockset_intersection(lockset, v.lockset) : v.lockset;
      locked = true;
    }
    partitioned = partitioned || v.several_owners;
    atomic = atomic || v.atomic;
    if (!v.several_owners && !v.racy && !v.synchronized && !v.locked) {
      if (blocks == 1 || (!owners_differ && owner == v.owner)) {
        owner = v.owner;
      } else {
        owners_differ = true;
      }
    }
  }

  const char* sharing() const {
    if (racy) return "racy";
    if (synchronized || (locked && lockset == 0)) return "synchronized";
    if (locked) return "locked";
    if (partitioned) return "partitioned";
    return "thread-local";
  }
};

internal_lock g_sites_lock{lock_rank::race_summary};
std::unordered_map<std::uint32_t, site_record>* g_sites CONCHECK_GUARDED_BY(g_sites_lock) = nullptr;
std::uint64_t g_sites_dropped CONCHECK_GUARDED_BY(g_sites_lock) = 0;

verdict block_verdict(const heap_block& block) {
  verdict v;
  race::for_each_location(
      block.address, block.address + block.size,
      [](void* context, std::uintptr_t, const race::location_state& state) {
        static_cast<verdict*>(context)->add(state);
      },
      &v);
  return v;
}

void add_block(const heap_block& block, const verdict& v) {
  internal_guard guard(g_sites_lock);
  try {
    if (g_sites == nullptr) g_sites = new std::unordered_map<std::uint32_t, site_record>();
    auto found = g_sites->find(block.site);
    if (found == g_sites->end()) {
      if (g_sites->size() >= kMaxSites) {
        ++g_sites_dropped;
        return;
      }
      found = g_sites->emplace(block.site, site_record{}).first;
    }
    found->second.add(block, v);
  } catch (...) {
    ++g_sites_dropped;
  }
}

std::vector<detector::lock_ref> lockset_refs(std::uint32_t lockset) {
  std::vector<detector::lock_ref> locks;
  std::uint64_t ids[16];
  std::size_t count = 0;
  race::lockset_locks(lockset, ids, count, 16);
  for (std::size_t i = 0; i < count; ++i) locks.push_back(make_lock_ref(ids[i]));
  return locks;
}

detector::thread_ref thread_of(std::uint64_t id) {
  return id == 0 ? detector::thread_ref{} : make_thread_ref(id);
}

// Globals: the touched granules of every writable segment, grouped by symbol.
struct global_group {
  std::string name;
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;  // exclusive; start + symbol size (or the granule's end when unknown)
  verdict v;
};

struct global_walk {
  std::vector<global_group> groups;

  void add(std::uintptr_t granule, const race::location_state& state) {
    // The variable is the one at the first byte the accesses touched: a
    // granule can hold the end of one small variable and the start of another.
    const std::uintptr_t first =
        granule + (state.bytes != 0 ? static_cast<std::uintptr_t>(__builtin_ctz(state.bytes)) : 0);
    if (groups.empty() || first >= groups.back().end) {
      global_group group;
      std::uintptr_t size = 0;
      if (!data_symbol_at(first, group.name, group.start, size)) {
        group.name = fmt::format("{:#x}", granule);
        group.start = granule;
      }
      group.end = std::max<std::uintptr_t>(group.start + size, granule + 8);
      if (!groups.empty() && groups.back().name == group.name) {
        groups.back().end = group.end;  // a symbol with no size, met again
      } else {
        groups.push_back(std::move(group));
      }
    }
    groups.back().v.add(state);
  }
};

int collect_segment(dl_phdr_info* info, std::size_t, void* context) {
  auto* walk = static_cast<global_walk*>(context);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = info->dlpi_phdr[i];
    if (header.p_type != PT_LOAD || (header.p_flags & PF_W) == 0) continue;
    const std::uintptr_t begin = info->dlpi_addr + header.p_vaddr;
    race::for_each_location(
        begin & ~std::uintptr_t{7}, begin + header.p_memsz,
        [](void* c, std::uintptr_t granule, const race::location_state& state) {
          static_cast<global_walk*>(c)->add(granule, state);
        },
        walk);
  }
  return 0;
}

int rank(const std::string& sharing) {
  if (sharing == "racy") return 0;
  if (sharing == "synchronized") return 1;
  if (sharing == "locked") return 2;
  if (sharing == "partitioned") return 3;
  return 4;
}

}  // namespace

void summarize_freed_block(const heap_block& block) noexcept {
  if (!get_options().access_summary) return;
  inside_scope inside;
  const verdict v = block_verdict(block);
  if (v.touched) add_block(block, v);
}

void write_access_summary() noexcept {
  if (!race::enabled() || !get_options().access_summary) return;
  inside_scope inside;
  try {
    std::vector<detector::accessed_location> locations;
    global_walk walk;
    dl_iterate_phdr(&collect_segment, &walk);
    for (global_group& group : walk.groups) {
      if (!group.v.touched) continue;
      detector::accessed_location l;
      l.memory.kind = "global";
      l.memory.name = group.name;
      l.memory.address = group.start;
      l.memory.size = group.end - group.start;
      l.sharing = group.v.sharing();
      if (l.sharing == "thread-local") l.thread = thread_of(group.v.owner);
      if (l.sharing == "locked") l.locks = lockset_refs(group.v.lockset);
      l.atomic = group.v.atomic;
      locations.push_back(std::move(l));
    }
    for_each_heap_block(
        [](void*, const heap_block& block) {
          const verdict v = block_verdict(block);
          if (v.touched) add_block(block, v);
        },
        nullptr);
    std::vector<std::pair<std::uint32_t, site_record>> sites;
    std::uint64_t dropped = 0;
    {
      internal_guard guard(g_sites_lock);
      if (g_sites != nullptr) sites.assign(g_sites->begin(), g_sites->end());
      dropped = g_sites_dropped;
    }
    for (const auto& [site, record] : sites) {
      detector::accessed_location l;
      l.memory.kind = "heap";
      l.memory.address = record.address;
      l.memory.size = record.max_size;
      l.memory.thread = record.thread;
      l.memory.allocated = make_site(site);
      l.blocks = record.blocks;
      l.sharing = record.sharing();
      if (l.sharing == "thread-local" && !record.owners_differ) l.thread = thread_of(record.owner);
      if (l.sharing == "locked") l.locks = lockset_refs(record.lockset);
      l.atomic = record.atomic;
      locations.push_back(std::move(l));
    }
    std::stable_sort(locations.begin(), locations.end(),
                     [](const auto& a, const auto& b) { return rank(a.sharing) < rank(b.sharing); });
    emit_access_summary(std::move(locations));
    if (dropped > 0) {
      emit_notice("note",
                  fmt::format("access summary: {} heap blocks of allocation sites beyond the first {} "
                              "are not listed",
                              dropped, kMaxSites));
    }
  } catch (...) {
    emit_notice("warning", "access summary: out of memory; not written");
  }
}

}  // namespace concheck::detail
