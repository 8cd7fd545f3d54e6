// concheck runtime: real deadlocks. Wait-for cycles are checked by the
// blocking thread itself (when it starts to wait and after every slice of a
// sliced wait); "every live thread blocked with no timeout" is checked by a
// watchdog thread, started on the first untimed blocking wait, because a
// condition-variable waiter cannot be woken in slices without changing what
// the program sees (a notify sent while it is between slices would be lost).
// An all-blocked state that something outside concheck's view may still end
// (outside_wakers.hpp) is not proof of a deadlock: it is a warning, once, after
// outside_waker_grace_ms, and the program goes on. A wait-for cycle is always
// a deadlock.
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "concheck/detector/render.hpp"
#include "explore_scheduler.hpp"
#include "options.hpp"
#include "outside_wakers.hpp"
#include "real_functions.hpp"
#include "registry_dump.hpp"
#include "report_sink.hpp"
#include "runtime_core.hpp"

namespace concheck::detail {
namespace {

constexpr long kSliceMs = 100;

struct thread_snapshot {
  thread_record* record = nullptr;
  std::uint64_t sequence = 0;
  detector::thread_wait wait;
  std::vector<detector::held_lock> held;
};

// A consistent snapshot of every live thread (a thread whose state changes
// while it is read counts as running: it is not blocked).
std::vector<thread_snapshot> take_snapshot(detector::wait_for_graph& graph) {
  std::vector<thread_snapshot> out;
  graph.clear();
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (!r->alive.load(std::memory_order_acquire)) continue;
    thread_snapshot snap;
    snap.record = r;
    const std::uint64_t before = r->state.sequence();
    snap.wait.thread = r->state.id();
    if ((before & 1) == 0) {
      snap.wait.kind = r->wait_kind.load(std::memory_order_relaxed);
      snap.wait.target = r->wait_target.load(std::memory_order_relaxed);
      snap.wait.shared = r->wait_shared.load(std::memory_order_relaxed);
      snap.wait.timed = r->wait_timed.load(std::memory_order_relaxed);
      std::uint64_t after = 0;
      if (!r->state.snapshot_held(snap.held, after) || after != before ||
          !r->alive.load(std::memory_order_acquire)) {
        snap.wait.kind = detector::wait_kind::none;
        snap.held.clear();
      }
    } else {
      snap.wait.kind = detector::wait_kind::none;
    }
    snap.sequence = before;
    graph.add_thread(snap.wait);
    for (const auto& h : snap.held) graph.add_hold(snap.wait.thread, h.lock, h.mode);
    out.push_back(std::move(snap));
  }
  return out;
}

const thread_snapshot* find_snapshot(const std::vector<thread_snapshot>& snaps, detector::thread_id id) {
  for (const auto& s : snaps) {
    if (s.wait.thread == id) return &s;
  }
  return nullptr;
}

// True if none of `threads` changed since the snapshot: the cycle existed at
// one moment (each thread's state was constant over the whole read).
bool unchanged(const std::vector<thread_snapshot>& snaps, const std::vector<detector::thread_id>& threads) {
  for (detector::thread_id id : threads) {
    const thread_snapshot* s = find_snapshot(snaps, id);
    if (s == nullptr || s->record->state.sequence() != s->sequence) return false;
  }
  return true;
}

detector::thread_state describe_state(const thread_snapshot& snap) {
  detector::thread_state state;
  state.thread = snap.wait.thread;
  for (const auto& h : snap.held) state.holds.push_back(h.lock);
  switch (snap.wait.kind) {
    case detector::wait_kind::lock:
      state.waits_for_lock = snap.wait.target;
      break;
    case detector::wait_kind::join:
      state.waits_for = fmt::format("join T{}", snap.wait.target);
      break;
    case detector::wait_kind::condition:
      state.waits_for = condition_variable_display_name(snap.wait.target);
      break;
    case detector::wait_kind::none:
      state.waits_for = "running";
      break;
    default:
      state.waits_for = fmt::format("{} {:#x}", detector::to_string(snap.wait.kind), snap.wait.target);
      break;
  }
  const stack_id stack = snap.record->wait_stack.load(std::memory_order_relaxed);
  state.waiting_at = stack != kNoStack ? make_site(stack)
                                       : site_from_pc(snap.record->wait_pc.load(std::memory_order_relaxed));
  return state;
}

// How a deadlock was found: by the monitor (a wait-for cycle, or every
// thread blocked for the grace period) or in an explore-mode schedule (no
// controlled thread can run).
enum class deadlock_source { cycle, everyone_blocked, schedule };

detector::finding build_deadlock(const std::vector<thread_snapshot>& snaps,
                                 const std::vector<detector::thread_id>& involved, deadlock_source source) {
  const bool everyone_blocked = source != deadlock_source::cycle;
  std::vector<std::reference_wrapper<const thread_snapshot>> members;
  for (detector::thread_id id : involved) {
    for (const auto& s : snaps) {
      if (s.wait.thread == id) members.emplace_back(s);
    }
  }
  detector::finding finding;
  finding.kind = detector::finding_kind::deadlock;
  for (const thread_snapshot& snap : members) {
    finding.threads.push_back(make_thread_ref(snap.wait.thread));
    for (const auto& h : snap.held) {
      if (finding.find_lock(h.lock) == nullptr) finding.locks.push_back(make_lock_ref(h.lock));
    }
    if (snap.wait.kind == detector::wait_kind::lock && finding.find_lock(snap.wait.target) == nullptr) {
      finding.locks.push_back(make_lock_ref(snap.wait.target));
    }
    finding.states.push_back(describe_state(snap));
    finding.sites.push_back(finding.states.back().waiting_at);
  }
  // A cycle of lock waits is also drawn as a lock cycle: thread i holds the
  // lock thread i-1 waits for and waits for the next one.
  bool all_locks = !everyone_blocked && !members.empty();
  for (const thread_snapshot& snap : members)
    all_locks = all_locks && snap.wait.kind == detector::wait_kind::lock;
  if (all_locks) {
    for (std::size_t i = 0; i < members.size(); ++i) {
      const thread_snapshot& previous = members[(i + members.size() - 1) % members.size()];
      const thread_snapshot& current = members[i];
      detector::cycle_edge edge;
      edge.from = previous.wait.target;
      edge.to = current.wait.target;
      edge.thread = current.wait.thread;
      edge.to_shared = current.wait.shared;
      for (const auto& h : current.held) {
        if (h.lock == edge.from) {
          edge.from_shared = h.mode == detector::lock_mode::shared;
          edge.from_acquired = held_lock_site(h);
        }
      }
      edge.acquired = finding.states[i].waiting_at;
      finding.cycle.push_back(std::move(edge));
    }
  }
  std::string who;
  for (const auto& state : finding.states) {
    const detector::thread_ref* thread = finding.find_thread(state.thread);
    std::string what = "waits for " + state.waits_for;
    if (state.waits_for_lock) {
      what = "waits for " + detector::lock_display_name(finding, *state.waits_for_lock);
    }
    who += fmt::format("{}{} {}", who.empty() ? "" : "; ",
                       thread != nullptr ? thread_display_name(*thread) : "?", what);
  }
  if (source == deadlock_source::schedule) {
    finding.message = fmt::format("no thread can run in this schedule: every thread is blocked ({})", who);
    finding.hint =
        "Look for a notify that can happen before the wait (check the predicate under the mutex), "
        "a missing notify or unlock, or threads joining each other.";
  } else if (everyone_blocked) {
    finding.message =
        fmt::format("every thread is blocked with no timeout and nothing can wake them ({}) for {} ms", who,
                    get_options().deadlock_grace_ms);
    finding.hint =
        "Look for a notify that can happen before the wait (check the predicate under the mutex), "
        "a missing notify, or threads joining each other.";
  } else {
    finding.message = fmt::format("{} threads wait for each other in a cycle: {}", involved.size(), who);
    bool joins = false;
    for (const thread_snapshot& snap : members) joins = joins || snap.wait.kind == detector::wait_kind::join;
    // A join in a cycle with locks: the joined thread needs a lock the joiner
    // holds, which no lock order fixes. Joins alone: threads join each other.
    if (joins && !finding.locks.empty()) {
      finding.hint = "Don't join a thread while holding a lock it needs: release the lock before join().";
    } else if (joins) {
      finding.hint = "These threads join each other: no thread may join one that (directly or not) joins it.";
    } else {
      finding.hint =
          "Take the locks in one global order everywhere, or acquire them together with std::scoped_lock.";
    }
  }
  return finding;
}

[[noreturn]] void report_deadlock(const std::vector<thread_snapshot>& snaps,
                                  const std::vector<detector::thread_id>& involved, bool everyone_blocked) {
  inside_scope inside;
  emit_finding(build_deadlock(snaps, involved,
                              everyone_blocked ? deadlock_source::everyone_blocked : deadlock_source::cycle),
               severity::fatal);
  _exit(get_options().exitcode);
}

constinit std::atomic<bool> g_watchdog_started{false};
constinit std::atomic<std::uint64_t> g_watchdog_looks{0};

// The watchdog itself: the one thread of concheck's own in the process.
constexpr std::size_t kInternalThreads = 1;

std::string outside_waker_of(const std::vector<thread_snapshot>& snaps) {
  inside_scope inside;
  std::vector<blocked_wait> waits;
  for (const auto& s : snaps) waits.push_back(blocked_wait{s.wait.thread, s.wait.kind, s.wait.target});
  return outside_waker(waits, snaps.size(), kInternalThreads);
}

void warn_outside_waker(const std::vector<thread_snapshot>& snaps, const std::string& waker, int blocked_ms) {
  inside_scope inside;
  std::string who;
  for (const auto& s : snaps) {
    const detector::thread_state state = describe_state(s);
    who +=
        fmt::format("{}T{} waits for {} at {}", who.empty() ? "" : "; ", s.wait.thread,
                    state.waits_for_lock ? fmt::format("lock M{}", *state.waits_for_lock) : state.waits_for,
                    detector::site_path_display(state.waiting_at));
  }
  emit_notice(
      "warning",
      fmt::format("every thread has been blocked with no timeout for {} ms ({}), but this is not proof "
                  "of a deadlock: {}. If nothing outside is meant to wake them, look for a lost notify.",
                  blocked_ms, who, waker));
}

void* watchdog_main(void*) {
  tls_inside = 1;  // never instrumented, never in the registry
  const int grace = std::max(1, get_options().deadlock_grace_ms);
  const long interval_ms = watchdog_interval_ms();
  // The verdict "every thread is blocked" needs the same state over the whole
  // grace period: the same threads with the same state sequence numbers (a
  // thread's sequence moves on every change, so equal numbers at both ends
  // mean no change in between), no thread that came or went (generation), and
  // no thread in transition (starting, or exiting after it left the
  // registry: such a thread may still notify a waiter or end a join).
  std::vector<std::pair<detector::thread_id, std::uint64_t>> previous;
  std::uint64_t previous_generation = 0;
  auto since = std::chrono::steady_clock::now();
  bool warned = false;  // the outside-waker warning, once per process
  detector::wait_for_graph graph;
  for (;;) {
    timespec pause{interval_ms / 1000, (interval_ms % 1000) * 1000000};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, nullptr);
    g_watchdog_looks.fetch_add(1, std::memory_order_release);
    if (explore::exploring()) {
      // The scheduler decides deadlocks of controlled threads (which block
      // in its model, not in the real objects).
      previous.clear();
      continue;
    }
    const std::uint64_t generation = thread_generation();
    auto snaps = take_snapshot(graph);
    auto cycle = graph.find_any_cycle();
    if (!cycle.empty() && unchanged(snaps, cycle)) report_deadlock(snaps, cycle, false);
    if (!graph.all_blocked_untimed() || threads_in_transition()) {
      previous.clear();
      continue;
    }
    std::vector<std::pair<detector::thread_id, std::uint64_t>> current;
    for (const auto& s : snaps) current.emplace_back(s.wait.thread, s.sequence);
    const auto now = std::chrono::steady_clock::now();
    if (current != previous || generation != previous_generation) {
      previous = std::move(current);
      previous_generation = generation;
      since = now;
      continue;
    }
    if (now - since >= std::chrono::milliseconds(grace)) {
      std::vector<detector::thread_id> everyone;
      for (const auto& s : snaps) everyone.push_back(s.wait.thread);
      if (unchanged(snaps, everyone) && thread_generation() == generation && !threads_in_transition()) {
        const std::string waker = outside_waker_of(snaps);
        if (waker.empty()) report_deadlock(snaps, everyone, true);
        const int outside_grace = std::max(grace, get_options().outside_waker_grace_ms);
        if (!warned && now - since >= std::chrono::milliseconds(outside_grace)) {
          warned = true;
          warn_outside_waker(
              snaps, waker,
              static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count()));
        }
      }
    }
  }
  return nullptr;
}

}  // namespace

detector::finding explore_deadlock_finding(const std::vector<detector::thread_id>& threads) {
  inside_scope inside;
  detector::wait_for_graph graph;
  auto snaps = take_snapshot(graph);
  std::vector<detector::thread_id> cycle = graph.find_any_cycle();
  const bool cycle_inside =
      !cycle.empty() && std::all_of(cycle.begin(), cycle.end(), [&](detector::thread_id id) {
        return std::find(threads.begin(), threads.end(), id) != threads.end();
      });
  if (cycle_inside) return build_deadlock(snaps, cycle, deadlock_source::cycle);
  return build_deadlock(snaps, threads, deadlock_source::schedule);
}

void check_wait_cycle(thread_record* self, int owner_tid) noexcept {
  if (owner_tid != 0) {
    for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
      if (r->tid != owner_tid || !r->alive.load(std::memory_order_acquire)) continue;
      if (r->wait_kind.load(std::memory_order_seq_cst) == detector::wait_kind::none) return;
      break;
    }
  }
  try {
    inside_scope inside;
    detector::wait_for_graph graph;
    auto snaps = take_snapshot(graph);
    auto cycle = graph.find_cycle(self->state.id());
    if (cycle.empty() || !unchanged(snaps, cycle)) return;
    report_deadlock(snaps, cycle, false);
  } catch (...) {
  }
}

long watchdog_interval_ms() noexcept {
  return std::clamp<long>(std::max(1, get_options().deadlock_grace_ms) / 4, 5, 250);
}

std::uint64_t watchdog_looks() noexcept {
  return g_watchdog_looks.load(std::memory_order_acquire);
}

void ensure_watchdog() noexcept {
  if (g_watchdog_started.load(std::memory_order_relaxed)) return;
  if (g_watchdog_started.exchange(true)) return;
  inside_scope inside;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attributes, 256 * 1024);
  pthread_t thread;
  if (real.create(&thread, &attributes, &watchdog_main, nullptr) != 0) g_watchdog_started.store(false);
  pthread_attr_destroy(&attributes);
}

void watchdog_after_fork_child() noexcept {
  g_watchdog_started.store(false, std::memory_order_relaxed);
}

timespec slice_deadline(clockid_t clock) noexcept {
  timespec now{};
  clock_gettime(clock, &now);
  const long slice = std::min<long>(kSliceMs, std::max(1, get_options().deadlock_grace_ms));
  now.tv_nsec += slice * 1000000;
  while (now.tv_nsec >= 1000000000) {
    now.tv_nsec -= 1000000000;
    ++now.tv_sec;
  }
  return now;
}

}  // namespace concheck::detail
