// concheck runtime: a data race, told in the user's terms (race_runtime.hpp,
// report_race). Both accesses with their stacks (from the shadow call stack:
// no unwinding), what each thread held, and what the memory is: a global by
// its symbol, a heap block with its allocation site and the offset in it, or
// a thread's stack. The engine reports each racy granule once; here a pair of
// access sites already reported is skipped before anything is symbolized
// (a loop racing over an array would otherwise build one report per element
// only for the sink to drop them as duplicates).
#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>

#include "explore_scheduler.hpp"
#include "race_heap.hpp"
#include "race_runtime.hpp"
#include "registry_dump.hpp"
#include "report_sink.hpp"
#include "stack_depot.hpp"
#include "symbolize.hpp"
#include "thread_registry.hpp"

namespace concheck::race {
namespace {

using detail::stack_id;

// Site pairs already reported: a lock-free set of 4096 slots (a pair pushed
// out of it can at worst be built again and dropped by the sink's dedup).
constexpr std::size_t kSeenPairs = 4096;
constinit std::atomic<std::uint64_t> g_seen[kSeenPairs] = {};

bool first_time(std::uint32_t a, std::uint32_t b) noexcept {
  if (a > b) std::swap(a, b);
  const std::uint64_t key = (std::uint64_t{a} << 32 | b) + 1;  // never 0
  std::size_t slot = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 52) % kSeenPairs;
  for (std::size_t probe = 0; probe < 16; ++probe, slot = (slot + 1) % kSeenPairs) {
    std::uint64_t current = g_seen[slot].load(std::memory_order_relaxed);
    if (current == key) return false;
    if (current == 0 && g_seen[slot].compare_exchange_strong(current, key, std::memory_order_relaxed))
      return true;
    if (current == key) return false;
  }
  return true;
}

detector::access_ref make_access(const access_record& a, detector::finding& finding) {
  detector::access_ref out;
  out.thread = a.thread_id;
  out.write = a.is_write;
  out.atomic = a.is_atomic;
  out.size = a.size;
  std::uint64_t ids[16];
  std::size_t count = 0;
  lockset_locks(a.lockset, ids, count, 16);
  for (std::size_t i = 0; i < count; ++i) {
    out.held.push_back(ids[i]);
    if (finding.find_lock(ids[i]) == nullptr) finding.locks.push_back(detail::make_lock_ref(ids[i]));
  }
  return out;
}

// The stack of a live thread that contains `address`, or 0.
std::uint64_t stack_owner(std::uintptr_t address) {
  for (detail::thread_record* r = detail::first_thread_record(); r != nullptr; r = r->next) {
    if (!r->alive.load(std::memory_order_acquire)) continue;
    pthread_attr_t attributes;
    if (pthread_getattr_np(r->handle, &attributes) != 0) continue;
    void* stack = nullptr;
    std::size_t size = 0;
    const bool known = pthread_attr_getstack(&attributes, &stack, &size) == 0;
    pthread_attr_destroy(&attributes);
    const auto low = reinterpret_cast<std::uintptr_t>(stack);
    if (known && address >= low && address < low + size) return r->state.id();
  }
  return 0;
}

detector::memory_ref describe_memory(std::uintptr_t address) {
  detector::memory_ref memory;
  memory.address = address;
  detail::heap_block block;
  if (detail::find_heap_block(address, block)) {
    memory.kind = "heap";
    memory.size = block.size;
    memory.offset = address - block.address;
    memory.thread = block.thread;
    memory.allocated = detail::make_site(block.site);
    return memory;
  }
  std::string name;
  std::uintptr_t start = 0;
  std::uintptr_t size = 0;
  if (detail::data_symbol_at(address, name, start, size)) {
    memory.kind = "global";
    memory.offset = address - start;
    memory.size = size;
    memory.name = memory.offset == 0 ? name : fmt::format("{}+{}", name, memory.offset);
    return memory;
  }
  if (const std::uint64_t owner = stack_owner(address)) {
    memory.kind = "stack";
    memory.thread = owner;
  }
  return memory;
}

std::string describe_for_message(const detector::memory_ref& memory) {
  if (memory.kind == "global") return fmt::format("global '{}'", memory.name);
  if (memory.kind == "heap")
    return fmt::format("a heap block ({} bytes into {} bytes)", memory.offset, memory.size);
  if (memory.kind == "stack") return fmt::format("the stack of T{}", memory.thread);
  return fmt::format("{:#x}", memory.address);
}

const char* verb(const access_record& a) {
  if (a.is_atomic) return a.is_write ? "atomic write" : "atomic read";
  return a.is_write ? "write" : "read";
}

}  // namespace

void report_race(const race_event& event) noexcept {
  // Explore mode judges every schedule on its own: a race fails each schedule
  // that has it (and its replay), so nothing is skipped there.
  if (!detail::explore::controlled() && !first_time(event.current.site, event.earlier.site)) return;
  detail::inside_scope inside;
  // Naming the memory reads the program's symbol tables the first time: on a
  // loaded machine that is no spin for explore's stall watch to report.
  const detail::explore::report_scope reporting;
  try {
    detector::finding finding;
    finding.kind = detector::finding_kind::data_race;
    finding.threads.push_back(detail::make_thread_ref(event.current.thread_id));
    if (event.earlier.thread_id != event.current.thread_id)
      finding.threads.push_back(detail::make_thread_ref(event.earlier.thread_id));
    finding.sites.push_back(detail::make_site(event.current.site));
    finding.sites.push_back(detail::make_site(event.earlier.site));
    finding.accesses.push_back(make_access(event.current, finding));
    finding.accesses.push_back(make_access(event.earlier, finding));
    finding.memory = describe_memory(event.address);
    // The thread that allocated the block, or whose stack it is, is named too.
    if (!finding.memory.kind.empty() && finding.memory.kind != "global" &&
        finding.find_thread(finding.memory.thread) == nullptr)
      finding.threads.push_back(detail::make_thread_ref(finding.memory.thread));
    const bool common_lock =
        std::any_of(finding.accesses[0].held.begin(), finding.accesses[0].held.end(), [&](std::uint64_t id) {
          const auto& other = finding.accesses[1].held;
          return std::find(other.begin(), other.end(), id) != other.end();
        });
    finding.message = fmt::format(
        "{} of {} byte{} at {} by T{} races with an earlier {} by T{}: {}", verb(event.current),
        event.current.size, event.current.size == 1 ? "" : "s", describe_for_message(finding.memory),
        event.current.thread_id, verb(event.earlier), event.earlier.thread_id,
        common_lock ? "they hold a lock in common, but a read lock does not order readers' writes"
                    : "no lock they both hold, and no other synchronization, orders them");
    detail::emit_finding(std::move(finding), detail::severity::report);
  } catch (...) {
    // Out of memory while building the report: the race goes unreported.
  }
}

}  // namespace concheck::race
