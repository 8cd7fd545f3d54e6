// Locks held at fork() by threads that do not exist in the child: the table
// and the deadlock report (see fork_holders.hpp).
#include "fork_holders.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <vector>

#include "concheck/detector/render.hpp"
#include "options.hpp"
#include "registry_dump.hpp"
#include "report_sink.hpp"
#include "runtime_core.hpp"

namespace concheck::detail {
namespace {

struct vanished_hold {
  std::atomic<detector::lock_id> lock{0};  // 0: forgotten (or never written)
  detector::thread_id thread = 0;
  int tid = 0;                 // the holder's kernel tid in the parent
  detector::held_lock held{};  // where it was acquired, and how
};

constexpr std::size_t kMaxVanishedHolds = 256;
constinit vanished_hold g_holds[kMaxVanishedHolds];
// Entries [0, g_count) are written; published with release by the fork handler.
constinit std::atomic<std::size_t> g_count{0};

// The entry for `lock`, or nullptr.
const vanished_hold* find_hold(detector::lock_id lock) noexcept {
  const std::size_t count = g_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < count; ++i) {
    if (g_holds[i].lock.load(std::memory_order_relaxed) == lock) return &g_holds[i];
  }
  return nullptr;
}

detector::thread_state vanished_state(const vanished_hold& hold) {
  detector::thread_state state;
  state.thread = hold.thread;
  state.vanished_at_fork = true;
  state.holds.push_back(hold.held.lock);
  // Its other holds too, after the one waited for.
  const std::size_t count = g_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < count; ++i) {
    const detector::lock_id other = g_holds[i].lock.load(std::memory_order_relaxed);
    if (other != 0 && other != hold.held.lock && g_holds[i].thread == hold.thread)
      state.holds.push_back(other);
  }
  state.waiting_at = held_lock_site(hold.held);
  return state;
}

[[noreturn]] void report_vanished_holder(thread_record* self, const vanished_hold& hold, std::uintptr_t pc) {
  inside_scope inside;
  const detector::lock_id lock = hold.held.lock;
  detector::finding finding;
  finding.kind = detector::finding_kind::deadlock;
  finding.threads.push_back(make_thread_ref(self->state.id()));
  finding.threads.push_back(make_thread_ref(hold.thread));
  finding.locks.push_back(make_lock_ref(lock));
  detector::thread_state waiter;
  waiter.thread = self->state.id();
  for (const auto& h : self->state.held_locks()) {
    waiter.holds.push_back(h.lock);
    if (finding.find_lock(h.lock) == nullptr) finding.locks.push_back(make_lock_ref(h.lock));
  }
  waiter.waits_for_lock = lock;
  waiter.waiting_at = make_site(capture_stack(1));
  if (waiter.waiting_at.empty()) waiter.waiting_at = site_from_pc(pc);
  detector::thread_state holder = vanished_state(hold);
  for (std::size_t i = 1; i < holder.holds.size(); ++i) {
    if (finding.find_lock(holder.holds[i]) == nullptr)
      finding.locks.push_back(make_lock_ref(holder.holds[i]));
  }
  finding.message = fmt::format(
      "{} waits for {}, held by thread {} of the parent process, which does not exist in this child (fork)",
      detector::thread_display_name(finding, waiter.thread), detector::lock_display_name(finding, lock),
      detector::thread_display_name(finding, hold.thread));
  finding.hint =
      "Locks held by other threads at fork() stay locked forever in the child: fork while no other thread "
      "holds a lock (or before starting threads), call exec at once in the child, or take those locks "
      "before fork() and release them after it in both processes (pthread_atfork).";
  finding.sites.push_back(waiter.waiting_at);
  finding.sites.push_back(holder.waiting_at);
  finding.states.push_back(std::move(waiter));
  finding.states.push_back(std::move(holder));
  emit_finding(std::move(finding), severity::fatal);
  _exit(get_options().exitcode);  // emit_finding ends the process for a fatal finding; never return
}

}  // namespace

void remember_vanished_holds(const thread_record& vanished) noexcept {
  inside_scope inside;  // the snapshot allocates
  try {
    std::vector<detector::held_lock> held;
    std::uint64_t sequence = 0;
    // Odd sequence: fork() caught the thread recording a lock; what it holds
    // is not known for sure, and a wrong holder is worse than none.
    if (!vanished.state.snapshot_held(held, sequence)) return;
    std::size_t count = g_count.load(std::memory_order_relaxed);
    for (const detector::held_lock& h : held) {
      if (count == kMaxVanishedHolds) break;
      vanished_hold& slot = g_holds[count++];
      slot.thread = vanished.state.id();
      slot.tid = vanished.tid;
      slot.held = h;
      slot.lock.store(h.lock, std::memory_order_relaxed);
    }
    g_count.store(count, std::memory_order_release);
  } catch (...) {
  }
}

void forget_vanished_hold(detector::lock_id lock) noexcept {
  const std::size_t count = g_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < count; ++i) {
    detector::lock_id expected = lock;
    g_holds[i].lock.compare_exchange_strong(expected, 0, std::memory_order_relaxed);
  }
}

void check_vanished_holder(thread_record* self, detector::lock_id lock, int owner_tid,
                           std::uintptr_t pc) noexcept {
  if (g_count.load(std::memory_order_relaxed) == 0) return;
  const vanished_hold* hold = find_hold(lock);
  if (hold == nullptr) return;
  // The lock names another owner: taken again in this process after all.
  if (owner_tid != 0 && owner_tid != hold->tid) return;
  try {
    report_vanished_holder(self, *hold, pc);
  } catch (...) {
  }
}

}  // namespace concheck::detail
