// concheck runtime: building findings from monitor results and registries.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "concheck/detector/render.hpp"
#include "fork_holders.hpp"
#include "options.hpp"
#include "registry_dump.hpp"
#include "report_sink.hpp"
#include "runtime_core.hpp"

namespace concheck::detail {
namespace {

void add_thread(detector::finding& finding, detector::thread_id id) {
  if (finding.find_thread(id) == nullptr) finding.threads.push_back(make_thread_ref(id));
}

void add_lock(detector::finding& finding, detector::lock_id id) {
  if (finding.find_lock(id) == nullptr) finding.locks.push_back(make_lock_ref(id));
}

std::string lock_name(const detector::finding& finding, detector::lock_id id) {
  // The short name: the text report's "Locks:" section says what each lock is.
  return detector::lock_display_name(finding, id);
}

std::string thread_label(const detector::finding& finding, detector::thread_id id) {
  const detector::thread_ref* thread = finding.find_thread(id);
  return thread != nullptr ? thread_display_name(*thread) : fmt::format("T{}", id);
}

detector::site held_site(const detector::held_lock& held) {
  return held_lock_site(held);
}

// Report with concheck's own locks released and reentrancy guarded.
void emit(detector::finding finding, severity how) {
  emit_finding(std::move(finding), how);
}

// Locks a report already covered, so one fault makes one report: the last
// 256 lock ids per verdict, in a lock-free ring (report paths only; a lock
// pushed out of the ring can at worst be reported twice).
class covered_locks {
 public:
  void add(detector::lock_id id) noexcept {
    ids_[next_.fetch_add(1, std::memory_order_relaxed) % kSize].store(id, std::memory_order_relaxed);
  }
  bool contains(detector::lock_id id) const noexcept {
    for (const auto& slot : ids_) {
      if (slot.load(std::memory_order_relaxed) == id) return true;
    }
    return false;
  }

 private:
  static constexpr std::size_t kSize = 256;
  std::atomic<detector::lock_id> ids_[kSize] = {};
  std::atomic<std::size_t> next_{0};
};

// Reported as destroy-locked: its holder ending is the same fault.
constinit covered_locks g_destroyed_while_locked;
// Unlocked by a non-owner, or left locked by a thread that ended: the lock's
// state no longer says who holds it, so "destroyed while locked" with no
// known holder is the same fault again.
constinit covered_locks g_state_reported_broken;

}  // namespace

void report_inversions(thread_record* self,
                       const std::vector<std::vector<detector::cycle_edge_view>>& cycles) {
  inside_scope inside;
  for (const auto& cycle : cycles) {
    detector::finding finding;
    finding.kind = detector::finding_kind::lock_order_inversion;
    for (const auto& edge : cycle) {
      add_lock(finding, edge.from);
      add_thread(finding, edge.thread);
      detector::cycle_edge out;
      out.from = edge.from;
      out.to = edge.to;
      out.thread = edge.thread;
      out.from_shared = edge.from_shared;
      out.to_shared = edge.to_shared;
      out.acquired = make_site(edge.to_stack);
      out.from_acquired = edge.from_stack != 0 ? make_site(edge.from_stack) : site_from_pc(edge.from_pc);
      finding.cycle.push_back(std::move(out));
    }
    finding.message =
        fmt::format("{} acquires {} while holding {}: the locks of a cycle of {} can deadlock",
                    thread_label(finding, self->state.id()), lock_name(finding, finding.cycle.front().to),
                    lock_name(finding, finding.cycle.front().from), finding.cycle.size());
    finding.hint =
        "Take these locks in one global order everywhere, or acquire them together with std::scoped_lock.";
    finding.sites.push_back(finding.cycle.front().acquired);
    emit(std::move(finding), severity::report);
  }
}

void report_self_deadlock(thread_record* self, lock_handle lock, const detector::held_lock& held,
                          std::uintptr_t pc) {
  inside_scope inside;
  detector::finding finding;
  finding.kind = detector::finding_kind::self_deadlock;
  add_thread(finding, self->state.id());
  add_lock(finding, lock->id);
  detector::site here = make_site(capture_stack(1));
  if (here.empty()) here = site_from_pc(pc);
  finding.message = fmt::format("{} blocks on {}, which it already holds: it would wait for itself forever",
                                thread_label(finding, self->state.id()), lock_name(finding, lock->id));
  finding.hint =
      "Do not re-acquire a non-recursive lock: restructure (e.g. a locked inner helper) or use a "
      "recursive mutex.";
  finding.sites.push_back(here);
  finding.sites.push_back(held_site(held));
  detector::thread_state state;
  state.thread = self->state.id();
  for (const auto& h : self->state.held_locks()) state.holds.push_back(h.lock);
  state.waits_for_lock = lock->id;
  state.waiting_at = here;
  finding.states.push_back(std::move(state));
  emit(std::move(finding), severity::fatal);
  _exit(get_options().exitcode);  // emit_finding ends the process for a fatal finding; never return
}

void report_unlock_not_owned(thread_record* self, lock_handle lock, std::uintptr_t pc) {
  inside_scope inside;
  detector::finding finding;
  finding.kind = detector::finding_kind::unlock_not_owned;
  add_thread(finding, self->state.id());
  add_lock(finding, lock->id);
  detector::site here = make_site(capture_stack(1));
  if (here.empty()) here = site_from_pc(pc);
  g_state_reported_broken.add(lock->id);
  forget_vanished_hold(lock->id);  // whoever held it at fork(), it is released now
  finding.message = fmt::format("{} unlocks {}, which it does not hold",
                                thread_label(finding, self->state.id()), lock_name(finding, lock->id));
  finding.hint =
      "Unlock only in the thread that locked, once per lock (prefer std::lock_guard / std::unique_lock).";
  finding.sites.push_back(here);
  emit(std::move(finding), severity::report);
}

void report_destroy_locked(lock_handle lock, bool freed, std::uintptr_t pc) {
  inside_scope inside;
  detector::finding finding;
  finding.kind = detector::finding_kind::destroy_locked;
  add_lock(finding, lock->id);
  thread_record* self = tls_thread;
  if (self != nullptr) add_thread(finding, self->state.id());
  detector::site here = make_site(capture_stack(1));
  if (here.empty()) here = site_from_pc(pc);
  // Who holds it, when a thread we know does.
  std::vector<detector::held_lock> held;
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (!r->alive.load(std::memory_order_acquire)) continue;
    std::uint64_t sequence = 0;
    if (!r->state.snapshot_held(held, sequence)) continue;
    for (const auto& h : held) {
      if (h.lock != lock->id) continue;
      add_thread(finding, r->state.id());
      detector::thread_state state;
      state.thread = r->state.id();
      state.holds.push_back(h.lock);
      finding.states.push_back(std::move(state));
      finding.sites.push_back(held_site(h));
    }
  }
  if (finding.states.empty() && g_state_reported_broken.contains(lock->id)) return;
  g_destroyed_while_locked.add(lock->id);
  finding.sites.insert(finding.sites.begin(), here);
  finding.message = fmt::format("{} is {} while locked", lock_name(finding, lock->id),
                                freed ? "freed (its memory released)" : "destroyed");
  finding.hint = "Unlock a lock before destroying it or freeing the object that contains it.";
  emit(std::move(finding), severity::report);
}

void report_use_after_destroy(const void* object, lock_class klass, ended_lock ended, std::uintptr_t pc) {
  inside_scope inside;
  detector::finding finding;
  finding.kind = detector::finding_kind::use_after_destroy;
  thread_record* self = tls_thread;
  if (self != nullptr) add_thread(finding, self->state.id());
  // The lock's record went with it: what the object itself says.
  detector::lock_ref lock;
  lock.id = ended.id;
  // The record that could tell std::mutex from a direct call is gone.
  lock.type = klass == lock_class::mutex ? kUntoldMutexType : lock_class_type(klass);
  lock.address = reinterpret_cast<std::uintptr_t>(object);
  finding.locks.push_back(std::move(lock));
  detector::site here = make_site(capture_stack(1));
  if (here.empty()) here = site_from_pc(pc);
  finding.sites.push_back(std::move(here));
  finding.message = fmt::format(
      "{} uses {} after it was {}", self != nullptr ? thread_label(finding, self->state.id()) : "a thread",
      lock_name(finding, ended.id), ended.freed ? "freed (its memory released)" : "destroyed");
  emit(std::move(finding), severity::report);
}

void report_cv_misuse(thread_record* self, const void* cv, lock_handle mutex, const detector::cv_check& check,
                      std::uintptr_t pc) {
  inside_scope inside;
  detector::finding finding;
  finding.kind = detector::finding_kind::cv_wait_unlocked;
  add_thread(finding, self->state.id());
  add_lock(finding, mutex->id);
  if (check.other_mutex != 0) add_lock(finding, check.other_mutex);
  detector::site here = make_site(capture_stack(1));
  if (here.empty()) here = site_from_pc(pc);
  const std::string cv_name = condition_variable_display_name(reinterpret_cast<std::uintptr_t>(cv));
  if (check.misuse == detector::cv_misuse::mutex_not_held) {
    finding.message =
        fmt::format("{} waits on {} with {}, which it does not hold", thread_label(finding, self->state.id()),
                    cv_name, lock_name(finding, mutex->id));
  } else {
    finding.message = fmt::format("{} waits on {} with {} while other threads wait on it with {}",
                                  thread_label(finding, self->state.id()), cv_name,
                                  lock_name(finding, mutex->id), lock_name(finding, check.other_mutex));
  }
  finding.hint =
      "Wait while holding the mutex that guards the condition, and use one mutex per condition variable.";
  finding.sites.push_back(here);
  emit(std::move(finding), severity::report);
}

void on_thread_exit(thread_record* self) noexcept {
  try {
    auto held = self->state.held_locks();
    std::erase_if(held,
                  [](const detector::held_lock& h) { return g_destroyed_while_locked.contains(h.lock); });
    if (held.empty()) return;
    detector::finding finding;
    finding.kind = detector::finding_kind::thread_exit_holding_lock;
    add_thread(finding, self->state.id());
    detector::thread_state state;
    state.thread = self->state.id();
    for (const auto& h : held) {
      add_lock(finding, h.lock);
      state.holds.push_back(h.lock);
      finding.sites.push_back(held_site(h));
      g_state_reported_broken.add(h.lock);
    }
    finding.states.push_back(std::move(state));
    std::string names;
    for (const auto& lock : finding.locks) names += (names.empty() ? "" : ", ") + lock_name(finding, lock.id);
    finding.message =
        fmt::format("{} ended while holding {}", thread_label(finding, self->state.id()), names);
    finding.hint = "Release every lock before the thread returns (RAII guards do it on every path).";
    emit(std::move(finding), severity::report);
  } catch (...) {
  }
}

}  // namespace concheck::detail
