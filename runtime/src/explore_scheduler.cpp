// concheck runtime: the deterministic scheduler of explore mode (contract in
// explore_scheduler.hpp; docs/explore.md).
#include "explore_scheduler.hpp"

#include <execinfo.h>
#include <fmt/format.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>

#include "concheck/detector/raw_futex.hpp"
#include "interpose_common.hpp"
#include "options.hpp"
#include "race/race_sync.hpp"
#include "registry_dump.hpp"
#include "report_sink.hpp"
#include "runtime_core.hpp"
#include "stall_meter.hpp"

namespace concheck::detail::explore {

__thread controlled_thread* tls_controlled __attribute__((tls_model("initial-exec"))) = nullptr;

enum class run_state : std::uint8_t { runnable, blocked, ended };

namespace {
struct schedule_state;
}

struct controlled_thread {
  schedule_state* schedule = nullptr;  // outlives the thread if the schedule is abandoned
  int index = 0;
  // 0: not its turn; 1: its turn; 2: not its turn, asleep on the futex.
  std::atomic<std::uint32_t> turn{0};
  run_state state = run_state::runnable;
  const void* blocked_on = nullptr;
  // What woke it, until it runs again (lock_acquired blocks it again when
  // its retry can only fail).
  const void* woken_by = nullptr;
  // At a lock_point: the key of the lock it is about to take (null
  // otherwise), and whether it takes it shared (a reader). While another
  // thread holds that lock in a mode that excludes it, the thread is not
  // offered as a choice (decide, cannot_progress).
  const void* pending_lock = nullptr;
  bool pending_shared = false;
  // At a semaphore_point: the semaphore whose count it is about to take.
  // While the count is 0 the thread is not offered as a choice.
  sem_t* pending_semaphore = nullptr;
  std::uint64_t blocked_order = 0;  // wake_one wakes the earliest
  bool timed = false;
  bool timed_out = false;
  std::int64_t deadline = 0;
  pthread_t handle{};
  bool has_handle = false;
  std::atomic<std::uint64_t> monitor_id{0};  // concheck's thread id (reserved by its creator)
  std::atomic<int> tid{0};                   // the kernel's thread id, for the stall watch (0: not started)
  // Polling detection (polled_point): the last key polled, how many more
  // points were on it, and the schedule's switch count right after this
  // thread's last polled point (another thread ran since when it differs).
  std::uintptr_t last_poll = 0;
  std::uint32_t poll_repeats = 0;
  std::uint64_t switches_after_last = 0;
  // Gave way (polled_point): the threads (bit i: index i < 64) that could
  // run then and have neither run nor stopped being able to since. Until it
  // is empty, this thread is chosen only if nothing else can run.
  std::uint64_t owed = 0;
  bool gave_way = false;  // polled kSpinRepeats times alone once: gives way at each poll since
  // report_begins/report_ends: nesting depth, and the running index to restore.
  int report_depth = 0;
  int running_before_report = -1;
  // block_on_io: handed the turn with nothing in the schedule able to run
  // (io_wake::outside); and, while it waits in the kernel for it, the call
  // (read by the stall watch without the turn).
  bool io_outside = false;
  std::atomic<const char*> outside_call{nullptr};
  // The call it waits in while in block_on_io (null otherwise): the stall
  // watch's report lists every thread waiting for I/O.
  std::atomic<const char*> io_call{nullptr};
};

namespace {

// What the threads in block_on_io are blocked on (one object for all: any
// write may answer any of them, and each probes again).
const char g_io_key = 0;

// Not through syscall(), which explore mode interposes (raw_futex.hpp).
long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t value, const timespec* timeout) {
  return raw_futex(word, op | FUTEX_PRIVATE_FLAG, static_cast<int>(value), timeout);
}

struct schedule_state {
  strategy* chooser = nullptr;
  std::vector<controlled_thread*> threads;
  std::vector<int> enabled;      // scratch, reused
  std::uint64_t step_bound = 0;  // on spin steps (the steps without progress)
  std::uint64_t max_steps = 0;   // on all steps
  std::uint64_t spins = 0;       // spin steps so far (note_spin)
  std::uint64_t switches = 0;    // decisions that gave the turn to another thread than the one at the point
  std::uint64_t run_length = 0;  // points in a row the running thread went on while another could run
  bool any_owed = false;         // some thread's `owed` may be non-empty
  std::int64_t clock = 0;
  std::uint64_t block_counter = 0;
  schedule_outcome outcome;
  std::atomic<std::uint64_t> steps{0};  // read by the driver's stall check
  std::atomic<std::uint32_t> done{0};   // futex word the driver sleeps on
  std::atomic<bool> abandoned{false};
  std::atomic<int> running{-1};         // the thread holding the turn (for stall reports)
  const char* process_token = nullptr;  // process mode: the schedule is the whole process
  std::string choices;                  // process mode: every step's choices (process_choices)
  struct barrier_round {
    const void* barrier;
    unsigned arrived;
    std::uint64_t round;
  };
  std::vector<barrier_round> barriers;  // pthread barriers used in this schedule (barrier_arrive)
  // The locks controlled threads hold, and how (lock_acquired ..
  // lock_released): a handful, scanned linearly. A lock missing here (taken
  // by an uncontrolled thread, first seen) only costs a switch to a thread
  // whose attempt then fails, as before. A reader-writer lock held shared
  // has one entry per reading thread.
  struct held_lock {
    const void* key;
    int holder;
    std::uint32_t depth;  // recursive acquisitions (of this mode)
    bool shared;
  };
  std::vector<held_lock> held;
};

// True when `t` is about to take a lock another thread of the schedule holds
// in a mode that excludes it (a writer excludes everyone, a reader excludes
// writers), or a semaphore whose count is 0: its attempt could only fail and
// block it. A thread that holds the lock itself is offered: its attempt
// deadlocks or fails by itself, and that must be seen.
bool cannot_progress(const schedule_state& s, const controlled_thread* t) noexcept {
  if (t->pending_semaphore != nullptr) {
    int value = 1;
    return ::sem_getvalue(t->pending_semaphore, &value) == 0 && value <= 0;
  }
  if (t->pending_lock == nullptr) return false;
  bool excluded = false;
  for (const schedule_state::held_lock& h : s.held) {
    if (h.key != t->pending_lock) continue;
    if (h.holder == t->index) return false;
    if (!h.shared || !t->pending_shared) excluded = true;
  }
  return excluded;
}

// Process mode: the one schedule of this process (null otherwise).
schedule_state* g_process_schedule = nullptr;

// Process mode: a failure ends the process as a fatal finding carrying the token.
// What the program wrote to stdout and has not flushed is written first, as
// exit() would (a schedule's output is what a user reads around the
// report); only when no other thread holds the stream's lock, since the
// failing schedule may have stopped a thread inside a printf.
[[noreturn]] void fail_process(detector::finding finding) noexcept {
  if (::ftrylockfile(stdout) == 0) {
    ::fflush_unlocked(stdout);
    ::funlockfile(stdout);
  }
  emit_finding(std::move(finding), severity::fatal);
  ::_exit(get_options().exitcode);  // a suppressed finding still ends the failed schedule
}

constinit std::atomic<bool> g_exploring{false};

constexpr int kSpinBeforeSleep = 1000;

// False when the process may use one CPU only (explore() and concheck run
// pin the schedule's threads to one): a thread spinning for its turn would
// then only delay the thread that must hand it over. Set by check_cpus()
// and when a process schedule begins.
bool g_spin_for_turn = true;

bool several_cpus() noexcept {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  return ::sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) > 1;
}

// Waits until `self` has the turn. Only a runnable thread spins first (it
// may be chosen next); a blocked one cannot run before someone wakes it, and
// its spinning would take a core from the thread that runs.
void wait_turn(controlled_thread* self) noexcept {
  const int spins = self->state == run_state::runnable && g_spin_for_turn ? kSpinBeforeSleep : 0;
  for (int i = 0; i < spins; ++i) {
    if (self->turn.load(std::memory_order_acquire) == 1) {
      self->turn.store(0, std::memory_order_relaxed);
      return;
    }
    cpu_relax();
  }
  std::uint32_t expected = 0;
  if (self->turn.compare_exchange_strong(expected, 2, std::memory_order_acquire)) {
    while (self->turn.load(std::memory_order_acquire) != 1) futex(&self->turn, FUTEX_WAIT, 2, nullptr);
  }
  self->turn.store(0, std::memory_order_relaxed);
}

void give_turn(controlled_thread* next) noexcept {
  next->schedule->running.store(next->index, std::memory_order_relaxed);
  if (next->turn.exchange(1, std::memory_order_release) == 2) futex(&next->turn, FUTEX_WAKE, 1, nullptr);
}

void finish_schedule(schedule_state& s) noexcept {
  s.running.store(-1, std::memory_order_relaxed);
  s.done.store(1, std::memory_order_release);
  futex(&s.done, FUTEX_WAKE, INT_MAX, nullptr);
}

// A thread of a failed schedule stops here for good: its stack and what it
// holds stay valid, and it is no longer registered as waiting (so the
// watchdog never counts it as blocked).
[[noreturn]] void park_forever() noexcept {
  if (thread_record* record = tls_thread) {
    inside_scope inside;
    end_wait(record);
  }
  tls_controlled = nullptr;
  std::atomic<std::uint32_t> never{0};
  for (;;) futex(&never, FUTEX_WAIT, 0, nullptr);
}

// Ends the schedule as failed with `finding` (unless it failed already) and
// wakes every thread waiting for a turn so that it parks.
void abandon(schedule_state& s, detector::finding finding) noexcept {
  if (s.process_token != nullptr) fail_process(std::move(finding));
  if (!s.outcome.failed) {
    s.outcome.failed = true;
    s.outcome.finding = std::move(finding);
  }
  s.abandoned.store(true, std::memory_order_release);
  for (controlled_thread* t : s.threads) {
    if (t->state != run_state::ended && t != tls_controlled) give_turn(t);
  }
  finish_schedule(s);
}

// After getting the turn back: a schedule abandoned meanwhile parks us.
void after_turn(controlled_thread* self) noexcept {
  if (self->schedule->abandoned.load(std::memory_order_acquire)) park_forever();
}

// The schedule took more spin steps than step_bound (`spins`), or more
// steps in all than max_steps (`length`).
detector::finding step_bound_finding(controlled_thread* self, const schedule_state& s, bool length) {
  detector::finding f;
  f.kind = detector::finding_kind::step_bound_exceeded;
  std::uint64_t id = 0;
  if (self != nullptr) id = self->monitor_id.load(std::memory_order_relaxed);
  if (self != nullptr) f.threads.push_back(make_thread_ref(id));
  const std::uint64_t steps = s.steps.load(std::memory_order_relaxed);
  if (length) {
    f.message = fmt::format(
        "the schedule did not end within {} scheduling points in all ({} of them without progress: "
        "yields, failed try-locks, timeouts, repeated polls): a thread that never ends, or a test longer "
        "than explore_max_steps (T{} was running at the last one)",
        s.max_steps, s.spins, id);
  } else {
    f.message = fmt::format(
        "the schedule took more than {} scheduling points without progress (yields, failed try-locks, "
        "timeouts, repeated polls of one atomic; {} points in all): a livelock, or a thread that waits by "
        "polling for something that never comes (T{} was running at the last one)",
        s.step_bound, steps, id);
  }
  f.sites.push_back(make_site(capture_stack(3)));
  return f;
}

// The monitor id of the thread holding the turn (0 when none does), read
// by a watch thread without the turn.
std::uint64_t running_thread_id(schedule_state& s) noexcept {
  const int running = s.running.load(std::memory_order_relaxed);
  if (running < 0 || static_cast<std::size_t>(running) >= s.threads.size()) return 0;
  return s.threads[static_cast<std::size_t>(running)]->monitor_id.load(std::memory_order_relaxed);
}

// A watch's step-bound-exceeded finding about thread `id`, its message to come.
detector::finding running_thread_finding(std::uint64_t id) {
  detector::finding f;
  f.kind = detector::finding_kind::step_bound_exceeded;
  f.threads.push_back(make_thread_ref(id));
  return f;
}

// The running thread reached no scheduling point for `stall_ms` of its own
// time (stall_meter.hpp: CPU time, or real time asleep): it spins or blocks
// outside concheck's view.
detector::finding stall_finding(schedule_state& s, std::uint64_t stall_ms) {
  const std::uint64_t id = running_thread_id(s);
  detector::finding f = running_thread_finding(id);
  const int running = s.running.load(std::memory_order_relaxed);
  const char* call =
      running >= 0 && static_cast<std::size_t>(running) < s.threads.size()
          ? s.threads[static_cast<std::size_t>(running)]->outside_call.load(std::memory_order_relaxed)
          : nullptr;
  if (call != nullptr) {
    // The others waiting for I/O are blocked (their fields stay as they are).
    std::string others;
    for (const controlled_thread* t : s.threads) {
      const char* waits_in = t->io_call.load(std::memory_order_relaxed);
      if (t->index == running || waits_in == nullptr) continue;
      const std::uint64_t other = t->monitor_id.load(std::memory_order_relaxed);
      others += fmt::format("{}T{} in {}()", others.empty() ? "" : ", ", other, waits_in);
      f.threads.push_back(make_thread_ref(other));
    }
    f.message = fmt::format(
        "T{} waited {} ms in {}() for I/O that no thread of the schedule can provide: every other "
        "controlled thread is blocked or has ended{}, so only another process, the network or a thread "
        "concheck does not control could answer it",
        id, stall_ms, call, others.empty() ? "" : fmt::format(" (waiting for I/O too: {})", others));
    f.hint =
        "if the answer comes from another process or the network, raise explore_stall_ms; if it should "
        "come from a thread of this program, that thread is blocked or gone (a deadlock through a pipe, "
        "a socket or an event fd), or a message was dropped: code that waits for real time to pass "
        "(rdtsc, a busy wait) sees sleeps take no time here (docs/explore.md, \"Virtual time\")";
    return f;
  }
  f.message = fmt::format(
      "T{} ran for {} ms without reaching a scheduling point (its CPU time, and real time while it "
      "slept; not time the machine did not run it): it spins or blocks on something concheck does not "
      "control (an atomic flag, a futex, a pipe, std::atomic::wait)",
      id, stall_ms);
  f.hint =
      "compile the code it spins in with race detection's instrumentation (concheck_instrument, "
      "docs/race.md) so that its atomics become scheduling points, or raise explore_stall_ms if it waits "
      "for input";
  return f;
}

// Process mode: the schedule still ran `time_limit_ms` of real time after
// it began (`concheck run --timeout`). Said by the child itself, so that
// the output so far and how far it got reach the user.
detector::finding time_limit_finding(schedule_state& s, std::uint64_t time_limit_ms) {
  const std::uint64_t id = running_thread_id(s);
  detector::finding f = running_thread_finding(id);
  f.message = fmt::format(
      "the schedule did not end within {} ms of real time (concheck run --timeout): {} scheduling "
      "points so far, T{} running at the last one",
      time_limit_ms, s.steps.load(std::memory_order_relaxed), id);
  f.hint =
      "a test too long to run one thread at a time: raise --timeout, or run fewer iterations under "
      "concheck run; a schedule that gains points without ending may also be a livelock";
  return f;
}

// One stall watch's view of the running thread since its last scheduling
// point (stall_meter.hpp). The watch reads the schedule without its turn:
// `steps` and `running` are atomics, and the thread's block outlives it.
struct stall_check {
  std::uint64_t stall_ns = 0;
  std::uint64_t ns_per_tick = 10'000'000;
  std::uint64_t last_steps = 0;
  int last_running = -1;
  bool baseline = false;  // the meter has a sample since the last point
  stall_meter meter;
};

stall_check make_stall_check(schedule_state& s, std::uint64_t stall_ms) noexcept {
  stall_check c;
  c.stall_ns = stall_ms * 1'000'000;
  const long ticks = sysconf(_SC_CLK_TCK);
  if (ticks > 0) c.ns_per_tick = 1'000'000'000 / static_cast<std::uint64_t>(ticks);
  c.last_steps = s.steps.load(std::memory_order_relaxed);
  c.last_running = s.running.load(std::memory_order_relaxed);
  return c;
}

// True when the running thread has now stalled. Called every 50 ms; takes
// no lock and allocates nothing (the running thread may hold any lock).
bool has_stalled(schedule_state& s, stall_check& c) noexcept {
  const std::uint64_t steps = s.steps.load(std::memory_order_relaxed);
  const int running = s.running.load(std::memory_order_relaxed);
  if (steps != c.last_steps || running != c.last_running || running < 0) {
    c.last_steps = steps;
    c.last_running = running;
    c.baseline = false;
    return false;
  }
  int tid = 0;
  if (static_cast<std::size_t>(running) < s.threads.size())
    tid = s.threads[static_cast<std::size_t>(running)]->tid.load(std::memory_order_relaxed);
  const thread_sample sample = read_thread_sample(tid, c.ns_per_tick);
  const auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                  std::chrono::steady_clock::now().time_since_epoch())
                                                  .count());
  if (!c.baseline) {
    c.meter.restart(now, sample);
    c.baseline = true;
    return false;
  }
  return c.meter.observe(now, sample) >= c.stall_ns;
}

std::uint64_t bit_of(int index) noexcept {
  return index >= 0 && index < 64 ? std::uint64_t{1} << index : 0;
}

// CHESS's fair rule (Musuvathi and Qadeer, "Fair stateless model checking",
// PLDI 2008): a thread that gave way is left out of the runnable choices
// `s.enabled[0, runnable)` until each thread that could run when it gave
// way has run or can no longer run, unless that leaves no runnable choice.
// Without it, pct chose the poller again at the next point of whichever
// thread ran, and the thread it polled for (lower in priority) still never
// ran. A function of the schedule so far: a replay makes the same choices.
void leave_out_owing(schedule_state& s, std::size_t& runnable) noexcept {
  if (!s.any_owed) return;
  std::uint64_t can_run = 0;
  for (std::size_t i = 0; i < runnable; ++i) can_run |= bit_of(s.enabled[i]);
  std::size_t owing = 0;
  for (std::size_t i = 0; i < runnable; ++i) {
    controlled_thread* t = s.threads[static_cast<std::size_t>(s.enabled[i])];
    t->owed &= can_run;
    if (t->owed != 0) ++owing;
  }
  if (owing == 0) {
    s.any_owed = false;
    for (const controlled_thread* t : s.threads) s.any_owed = s.any_owed || t->owed != 0;
    return;
  }
  if (owing == runnable) return;
  const auto end = s.enabled.begin() + static_cast<std::ptrdiff_t>(runnable);
  const auto kept = std::stable_partition(s.enabled.begin(), end, [&s](int index) {
    return s.threads[static_cast<std::size_t>(index)]->owed == 0;
  });
  s.enabled.erase(kept, end);
  runnable -= owing;
}

// Nothing in the schedule can run: the thread that has waited longest in
// block_on_io, handed the turn to wait in the kernel (io_wake::outside), or
// null when none waits for I/O.
controlled_thread* outside_io_waiter(schedule_state& s) noexcept {
  controlled_thread* first = nullptr;
  for (controlled_thread* t : s.threads) {
    if (t->state == run_state::blocked && t->blocked_on == &g_io_key &&
        (first == nullptr || t->blocked_order < first->blocked_order))
      first = t;
  }
  if (first != nullptr) {
    first->state = run_state::runnable;
    first->blocked_on = nullptr;
    first->io_outside = true;
  }
  return first;
}

// The next thread to run, or null when no choice is enabled. Applies a
// chosen timeout. `self` is the thread at the point (null when it ends).
controlled_thread* decide(schedule_state& s, controlled_thread* self, point_kind kind,
                          bool give_way = false) noexcept {
  // The scheduler's own state, handed between threads by futex turns that
  // race detection does not see: its copies (memmove) must not be checked.
  inside_scope inside;
  s.enabled.clear();
  std::int64_t earliest = INT64_MAX;
  controlled_thread* held_back = nullptr;  // the first runnable thread left out (cannot_progress)
  for (controlled_thread* t : s.threads) {
    if (t->state == run_state::runnable) {
      if (!cannot_progress(s, t)) {
        s.enabled.push_back(t->index);
      } else if (held_back == nullptr) {
        held_back = t;
      }
    }
    if (t->state == run_state::blocked && t->timed) earliest = std::min(earliest, t->deadline);
  }
  std::size_t runnable = s.enabled.size();
  if (earliest != INT64_MAX) {
    for (controlled_thread* t : s.threads) {
      if (t->state == run_state::blocked && t->timed && t->deadline == earliest)
        s.enabled.push_back(t->index);
    }
  }
  if (s.enabled.empty()) {
    // Nothing can make progress: a deadlock. A thread left out at its lock
    // point has not registered its wait yet; it goes on (no decision: there
    // is no choice, so a replay does the same), fails its attempt and
    // blocks, so that the report's wait-for graph shows what it waits for.
    // Else a thread waiting for I/O may still be answered from outside the
    // schedule (another process, the network): the earliest goes on to
    // wait for it in the kernel (block_on_io), also without a decision.
    if (held_back == nullptr) held_back = outside_io_waiter(s);
    return held_back;
  }
  const std::uint64_t step = s.steps.load(std::memory_order_relaxed);
  if (s.spins > s.step_bound || step >= s.max_steps) {
    s.running.store(-1, std::memory_order_relaxed);  // as in deadlocked()
    abandon(s, step_bound_finding(self, s, s.spins <= s.step_bound));
    return nullptr;
  }
  s.steps.store(step + 1, std::memory_order_relaxed);
  leave_out_owing(s, runnable);
  int current =
      self != nullptr && self->state == run_state::runnable && !cannot_progress(s, self) ? self->index : -1;
  if (current >= 0 && s.any_owed &&
      std::find(s.enabled.begin(), s.enabled.begin() + static_cast<std::ptrdiff_t>(runnable), current) ==
          s.enabled.begin() + static_cast<std::ptrdiff_t>(runnable))
    current = -1;  // left out: it owes
  // A thread that polls (polled_point) gives the turn away whenever anything
  // else can happen: without it a thread waiting for another's progress could
  // be chosen again and again (a strategy that keeps the current thread
  // running never ends such a schedule). The choices depend only on the
  // schedule so far, so a replay makes the same.
  // The same for a thread that went on kFairQuantum points in a row while
  // another could run (explore_scheduler.hpp): a strategy that keeps the
  // running thread (pct's highest priority, dfs past its preemptions) never
  // ends a schedule whose thread waits by reading a plain flag between its
  // points, and a correct program runs until its limits.
  if (current >= 0 && runnable > 1 && s.run_length >= kFairQuantum) give_way = true;
  if (give_way && current >= 0 && s.enabled.size() > 1) {
    const auto own =
        std::find(s.enabled.begin(), s.enabled.begin() + static_cast<std::ptrdiff_t>(runnable), current);
    if (own != s.enabled.begin() + static_cast<std::ptrdiff_t>(runnable)) {
      s.enabled.erase(own);
      --runnable;
      current = -1;
      self->owed = 0;
      for (std::size_t i = 0; i < runnable; ++i) self->owed |= bit_of(s.enabled[i]);
      s.any_owed = s.any_owed || self->owed != 0;
    }
  }
  int chosen = s.chooser->choose(s.enabled, runnable, current, step);
  if (std::find(s.enabled.begin(), s.enabled.end(), chosen) == s.enabled.end()) chosen = s.enabled.front();
  {
    s.outcome.decisions.push_back(static_cast<std::uint16_t>(chosen));
    s.outcome.kinds.push_back(kind);
    if (s.process_token != nullptr) {
      s.choices += fmt::format("{}{}/", s.choices.empty() ? "" : " ", current);
      for (std::size_t i = 0; i < s.enabled.size(); ++i)
        s.choices += fmt::format("{}{}", i == 0 ? "" : i == runnable ? "|" : ".", s.enabled[i]);
      if (runnable == s.enabled.size()) s.choices += "|";
    }
  }
  if (chosen != current) {
    s.run_length = 0;
  } else if (runnable > 1) {
    ++s.run_length;
  }
  controlled_thread* next = s.threads[static_cast<std::size_t>(chosen)];
  if (next != self) ++s.switches;
  if (s.any_owed) {
    next->owed = 0;
    for (controlled_thread* t : s.threads) t->owed &= ~bit_of(chosen);
  }
  if (next->state == run_state::blocked) {
    ++s.spins;  // a timeout: a sleep, or a timed wait whose event did not come
    next->timed_out = true;
    next->state = run_state::runnable;
    next->blocked_on = nullptr;
    s.clock = std::max(s.clock, next->deadline);
  }
  return next;
}

// No enabled choice: a deadlock among the threads that have not ended.
void deadlocked(schedule_state& s) noexcept {
  inside_scope inside;
  // No thread runs the user's code now: the stall watches must not take the
  // report's first symbolization (seconds on a loaded machine) for a spin.
  s.running.store(-1, std::memory_order_relaxed);
  std::vector<detector::thread_id> blocked;
  for (controlled_thread* t : s.threads) {
    if (t->state != run_state::ended) blocked.push_back(t->monitor_id.load(std::memory_order_relaxed));
  }
  abandon(s, explore_deadlock_finding(blocked));
}

// Runs `next` (if not `self`) and waits for the turn to come back.
void switch_to(controlled_thread* self, controlled_thread* next) noexcept {
  if (next == self) return;
  give_turn(next);
  wait_turn(self);
  after_turn(self);
}

}  // namespace

const char* to_string(point_kind kind) noexcept {
  switch (kind) {
    case point_kind::lock:
      return "lock";
    case point_kind::unlock:
      return "unlock";
    case point_kind::notify:
      return "notify";
    case point_kind::semaphore:
      return "semaphore";
    case point_kind::thread_create:
      return "thread create";
    case point_kind::thread_join:
      return "thread join";
    case point_kind::thread_exit:
      return "thread exit";
    case point_kind::yield:
      return "yield";
    case point_kind::sleep:
      return "sleep";
    case point_kind::wait:
      return "wait";
    case point_kind::access:
      return "access";
    case point_kind::barrier:
      return "barrier";
    case point_kind::futex:
      return "futex";
    case point_kind::io:
      return "io";
  }
  return "?";
}

bool exploring() noexcept {
  return g_exploring.load(std::memory_order_acquire);
}

const char* process_token() noexcept {
  return g_process_schedule != nullptr ? g_process_schedule->process_token : nullptr;
}

std::string process_choices() {
  return g_process_schedule != nullptr ? g_process_schedule->choices : std::string();
}

std::uint64_t process_steps() noexcept {
  return g_process_schedule != nullptr ? g_process_schedule->steps.load(std::memory_order_relaxed) : 0;
}

namespace {

// The stall watch's stack: in the fork server's memory, so no child maps a
// stack for it, and the glibc stack the server's warm-up thread left cached
// goes to the program's first thread. The pages the watch uses are among
// those each child breaks at once (fork_server_pages.hpp). 2 MB: a report
// (symbolization included) runs on it.
alignas(4096) char g_watch_stack[2 << 20];

struct stall_watch {
  schedule_state* schedule;
  std::uint64_t stall_ms;
  std::uint64_t time_limit_ms;  // 0: none
};

void* watch_process(void* raw) {
  tls_inside = 1;  // never instrumented
  const stall_watch watch = *static_cast<stall_watch*>(raw);
  delete static_cast<stall_watch*>(raw);
  schedule_state& s = *watch.schedule;
  stall_check check = make_stall_check(s, watch.stall_ms);
  const auto began = std::chrono::steady_clock::now();
  for (;;) {
    const timespec pause{0, 50 * 1000 * 1000};
    real.clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, nullptr);
    const bool late = watch.time_limit_ms > 0 && std::chrono::steady_clock::now() - began >=
                                                     std::chrono::milliseconds(watch.time_limit_ms);
    if (late) {
      tls_inside = 0;
      fail_process(time_limit_finding(s, watch.time_limit_ms));
    }
    if (!has_stalled(s, check)) continue;
    tls_inside = 0;
    fail_process(stall_finding(s, watch.stall_ms));
  }
  return nullptr;
}

}  // namespace

void begin_process_schedule(strategy* chooser, std::uint64_t step_bound, std::uint64_t max_steps,
                            std::uint64_t stall_ms, std::uint64_t time_limit_ms, const char* token) noexcept {
  inside_scope inside;
  g_spin_for_turn = several_cpus();
  auto* s = new schedule_state;
  s->chooser = chooser;
  s->step_bound = step_bound;
  s->max_steps = max_steps;
  s->process_token = token;
  chooser->begin_schedule();
  auto* t0 = new controlled_thread;
  t0->schedule = s;
  if (thread_record* record = current_thread())
    t0->monitor_id.store(record->state.id(), std::memory_order_relaxed);
  t0->tid.store(static_cast<int>(gettid()), std::memory_order_relaxed);
  s->threads.push_back(t0);
  chooser->thread_created(0);
  s->running.store(0, std::memory_order_relaxed);
  g_process_schedule = s;
  g_exploring.store(true, std::memory_order_release);
  tls_controlled = t0;
  pthread_t watcher;
  auto* watch = new stall_watch{s, stall_ms, time_limit_ms};
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstack(&attributes, g_watch_stack, sizeof g_watch_stack);
  if (real.create(&watcher, &attributes, &watch_process, watch) == 0) {
    real.detach(watcher);
  } else {
    delete watch;
  }
  pthread_attr_destroy(&attributes);
}

namespace {

// A point that may be one step of a polling loop on `key` (0: it is not):
// kSpinRepeats more points on the same key (and none on another) with no
// other thread running meanwhile make the thread give way. The loop's other
// points (a captured reference re-read each time, the lock and unlock of a
// lock taken to check a flag) do not count; another thread running, or
// another key, starts over. Each repeat, and every yield, is a spin step.
void polled_point(point_kind kind, std::uintptr_t key) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  schedule_state& s = *self->schedule;
  // A thread that gave way goes on polling when it comes back: its count is
  // not started over by the threads that ran meanwhile (it would poll 8
  // more times ahead of them at each return, pct's high-priority waiter
  // for every step of the thread it waits for), only by a poll of another
  // atomic location.
  if (s.switches != self->switches_after_last && !self->gave_way) {
    self->last_poll = 0;
    self->poll_repeats = 0;
  }
  if (key == kYieldKey) ++s.spins;
  if (key != 0) {
    if (key == self->last_poll || key == kYieldKey) {  // a yield continues any polling loop
      if (key != kYieldKey) ++s.spins;
      ++self->poll_repeats;
    } else {
      self->last_poll = key;
      self->poll_repeats = 0;
      self->gave_way = false;
    }
  }
  if (s.abandoned.load(std::memory_order_acquire)) park_forever();
  const bool give_way = key != 0 && self->poll_repeats >= kSpinRepeats;
  self->gave_way = self->gave_way || give_way;
  controlled_thread* next = decide(s, self, kind, give_way);
  if (next == nullptr) {
    if (s.abandoned.load(std::memory_order_acquire)) park_forever();
    return;  // cannot happen: self is runnable
  }
  switch_to(self, next);
  self->switches_after_last = self->schedule->switches;
}

}  // namespace

void note_spin() noexcept {
  if (tls_controlled != nullptr) ++tls_controlled->schedule->spins;
}

void access_point(std::uintptr_t address, bool atomic) noexcept {
  polled_point(point_kind::access, atomic ? address : 0);
}

void yield_point() noexcept {
  polled_point(point_kind::yield, kYieldKey);
}

void point(point_kind kind) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  schedule_state& s = *self->schedule;
  if (s.abandoned.load(std::memory_order_acquire)) park_forever();
  controlled_thread* next = decide(s, self, kind);
  if (next == nullptr) {
    if (s.abandoned.load(std::memory_order_acquire)) park_forever();
    return;  // cannot happen: self is runnable
  }
  switch_to(self, next);
}

bool block_on(const void* object, detector::wait_kind kind, std::uint64_t target, bool timed,
              std::int64_t deadline_ns, std::uintptr_t pc) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return false;
  schedule_state& s = *self->schedule;
  if (s.abandoned.load(std::memory_order_acquire)) park_forever();
  self->state = run_state::blocked;
  self->blocked_on = object;
  self->blocked_order = ++s.block_counter;
  self->timed = timed;
  self->timed_out = false;
  self->deadline = deadline_ns;
  thread_record* record = tls_thread;
  const bool registered = record != nullptr && kind != detector::wait_kind::none;
  if (registered) {
    inside_scope inside;
    // A lock wait's pc is the user's call (std::mutex::lock is inline); a
    // join's or a condition wait's is inside libstdc++: those take the stack
    // (microseconds, and rarer) so that a deadlock names the user's line.
    begin_wait(record, kind, target, false, timed, pc, kind != detector::wait_kind::lock);
  }
  controlled_thread* next = decide(s, self, point_kind::wait);
  if (next == nullptr) {
    if (!s.abandoned.load(std::memory_order_acquire)) deadlocked(s);
    park_forever();
  }
  switch_to(self, next);
  self->woken_by = nullptr;
  if (registered) {
    inside_scope inside;
    end_wait(record);
  }
  self->timed = false;
  return self->timed_out;
}

namespace {
int wake(schedule_state& s, const void* object, bool one) noexcept {
  int woken = 0;
  controlled_thread* first = nullptr;
  for (controlled_thread* t : s.threads) {
    if (t->state != run_state::blocked || t->blocked_on != object) continue;
    if (!one) {
      t->state = run_state::runnable;
      t->blocked_on = nullptr;
      t->woken_by = object;
      ++woken;
    } else if (first == nullptr || t->blocked_order < first->blocked_order) {
      first = t;
    }
  }
  if (first != nullptr) {
    first->state = run_state::runnable;
    first->blocked_on = nullptr;
    first->woken_by = object;
    woken = 1;
  }
  return woken;
}
}  // namespace

namespace {
// Each waiter a release of `key` (an unlock, a post) made runnable, that
// has not run since, would retry an attempt that now fails and block again:
// a switch to it is a switch to a thread that cannot make progress (4 x 10
// made 136 context switches per schedule with them). It is blocked again;
// its registration, its timeout and its place are those of its wait, which
// it never left.
void block_woken_again(controlled_thread* self, const void* key) noexcept {
  for (controlled_thread* t : self->schedule->threads) {
    if (t == self || t->state != run_state::runnable || t->woken_by != key) continue;
    t->state = run_state::blocked;
    t->blocked_on = key;
    t->woken_by = nullptr;
  }
}

// Records that `self` took `key` (`shared`: as a reader). The acquisition
// succeeded, so an entry of another thread that excludes it is stale (its
// release was not seen): the lock says now who holds it.
void note_held(controlled_thread* self, const void* key, bool shared) noexcept {
  schedule_state& s = *self->schedule;
  std::erase_if(s.held, [&](const schedule_state::held_lock& h) {
    return h.key == key && h.holder != self->index && (!shared || !h.shared);
  });
  for (schedule_state::held_lock& h : s.held) {
    if (h.key == key && h.holder == self->index && h.shared == shared) {
      ++h.depth;
      return;
    }
  }
  inside_scope inside;
  s.held.push_back({key, self->index, 1, shared});
}
}  // namespace

void lock_acquired(const void* key) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  note_held(self, key, false);
  block_woken_again(self, key);
}

void lock_acquired_shared(const void* key) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  note_held(self, key, true);
}

void semaphore_taken(sem_t* semaphore) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  int value = 1;
  if (::sem_getvalue(semaphore, &value) == 0 && value <= 0) block_woken_again(self, semaphore);
}

void lock_released(const void* key) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  std::vector<schedule_state::held_lock>& held = self->schedule->held;
  // The caller's own entry (a reader-writer lock's unlock does not say which
  // mode it releases: a thread holds it in one). An unlock by another
  // thread (misuse, reported) releases some holder as far as the scheduler
  // is concerned: when unsure, a thread is offered.
  std::size_t found = held.size();
  for (std::size_t i = 0; i < held.size(); ++i) {
    if (held[i].key != key) continue;
    if (held[i].holder == self->index) {
      found = i;
      break;
    }
    if (found == held.size()) found = i;
  }
  if (found == held.size()) return;
  if (held[found].holder == self->index && --held[found].depth != 0) return;
  held[found] = held.back();
  held.pop_back();
}

void await_lock(const void* key) noexcept {
  if (tls_controlled != nullptr) tls_controlled->pending_lock = key;
}

void lock_point(const void* key, bool shared) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  self->pending_lock = key;
  self->pending_shared = shared;
  point(point_kind::lock);
  self->pending_lock = nullptr;
  self->pending_shared = false;
}

void semaphore_point(sem_t* semaphore) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  self->pending_semaphore = semaphore;
  point(point_kind::semaphore);
  self->pending_semaphore = nullptr;
}

io_wake block_on_io(const char* call, bool timed, std::int64_t deadline_ns, std::uintptr_t pc) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return io_wake::outside;
  self->io_outside = false;
  self->io_call.store(call, std::memory_order_relaxed);
  const bool timed_out = block_on(&g_io_key, detector::wait_kind::none, 0, timed, deadline_ns, pc);
  self->io_call.store(nullptr, std::memory_order_relaxed);
  if (self->io_outside) {
    self->io_outside = false;
    return io_wake::outside;
  }
  return timed_out ? io_wake::timed_out : io_wake::retry;
}

void outside_io_begins(const char* call) noexcept {
  if (tls_controlled != nullptr) tls_controlled->outside_call.store(call, std::memory_order_relaxed);
}

void outside_io_ends() noexcept {
  if (tls_controlled != nullptr) tls_controlled->outside_call.store(nullptr, std::memory_order_relaxed);
}

void io_progress() noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  wake(*self->schedule, &g_io_key, false);
}

void io_poll_point() noexcept {
  polled_point(point_kind::io, kIoPollKey);
}

int wake_all(const void* object) noexcept {
  if (tls_controlled == nullptr) return 0;
  return wake(*tls_controlled->schedule, object, false);
}

int wake_one(const void* object) noexcept {
  if (tls_controlled == nullptr) return 0;
  return wake(*tls_controlled->schedule, object, true);
}

bool barrier_arrive(const void* barrier, unsigned count, std::uintptr_t pc) noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return false;
  point(point_kind::barrier);
  schedule_state& s = *self->schedule;
  const auto find = [&s, barrier] {
    return std::find_if(s.barriers.begin(), s.barriers.end(),
                        [barrier](const schedule_state::barrier_round& b) { return b.barrier == barrier; });
  };
  auto entry = find();
  if (entry == s.barriers.end()) {
    inside_scope inside;
    s.barriers.push_back({barrier, 0, 0});
    entry = s.barriers.end() - 1;
  }
  if (++entry->arrived >= count) {
    entry->arrived = 0;
    ++entry->round;
    wake_all(barrier);
    return true;
  }
  const std::uint64_t round = entry->round;
  // Woken only by the round's last arrival (the vector may grow meanwhile:
  // look the entry up again).
  while (find()->round == round)
    block_on(barrier, detector::wait_kind::barrier, reinterpret_cast<std::uint64_t>(barrier), false, 0, pc);
  return false;
}

std::int64_t now_ns() noexcept {
  return tls_controlled != nullptr ? tls_controlled->schedule->clock : 0;
}

controlled_thread* prepare_child(std::uint64_t monitor_id) noexcept {
  if (tls_controlled == nullptr) return nullptr;
  schedule_state& s = *tls_controlled->schedule;
  inside_scope inside;
  auto* child = new (std::nothrow) controlled_thread;
  if (child == nullptr) return nullptr;
  child->schedule = &s;
  child->index = static_cast<int>(s.threads.size());
  child->monitor_id.store(monitor_id, std::memory_order_relaxed);
  s.threads.push_back(child);
  s.chooser->thread_created(child->index);
  return child;
}

void child_created(controlled_thread* child, const pthread_t* handle) noexcept {
  if (child == nullptr) return;
  if (handle != nullptr) {
    // The parent goes on at once: the child's id was reserved when it was
    // prepared (so concheck's thread ids follow the schedule, and a join or
    // a report can name the child before the kernel starts it), and the
    // child cannot run the user's code before its first turn. Waiting here
    // for the child to start cost two futex calls and two switches per
    // thread (issue 11).
    child->handle = *handle;
    child->has_handle = true;
    return;
  }
  // The real creation failed: the block is the last one; forget it.
  schedule_state& s = *child->schedule;
  inside_scope inside;
  s.threads.pop_back();
  delete child;
}

void child_begins(controlled_thread* child) noexcept {
  tls_controlled = child;
  child->tid.store(static_cast<int>(gettid()), std::memory_order_relaxed);
  // The body's thread T0 has no creator in the schedule to reserve its id.
  if (thread_record* record = tls_thread;
      record != nullptr && child->monitor_id.load(std::memory_order_relaxed) == 0)
    child->monitor_id.store(record->state.id(), std::memory_order_relaxed);
  wait_turn(child);
  after_turn(child);
}

void thread_ends() noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr) return;
  schedule_state& s = *self->schedule;
  tls_controlled = nullptr;
  if (s.abandoned.load(std::memory_order_acquire)) return;  // the driver has left
  self->state = run_state::ended;
  // A lock it still holds stays locked (its waiters try and block on it),
  // unless it is robust: either way the attempt decides, not this table.
  std::erase_if(s.held, [self](const schedule_state::held_lock& h) { return h.holder == self->index; });
  wake(s, self, false);  // joiners
  bool all_ended = true;
  for (controlled_thread* t : s.threads) all_ended = all_ended && t->state == run_state::ended;
  if (all_ended) {
    finish_schedule(s);
    return;
  }
  controlled_thread* next = decide(s, nullptr, point_kind::thread_exit);
  if (next == nullptr) {
    if (!s.abandoned.load(std::memory_order_acquire)) deadlocked(s);
    return;
  }
  give_turn(next);
}

controlled_thread* find_controlled(pthread_t handle) noexcept {
  if (tls_controlled == nullptr) return nullptr;
  // The newest first: glibc reuses a joined (or detached and ended) thread's
  // pthread_t for a later thread, and a schedule keeps every thread's block
  // (libzmq's contexts start and join an I/O thread and a reaper each, and
  // the next context's threads got the first one's handles: its join found
  // the old, ended block and joined the live thread for real, in the kernel,
  // while that thread waited for its turn).
  const auto& threads = tls_controlled->schedule->threads;
  for (auto it = threads.rbegin(); it != threads.rend(); ++it) {
    if ((*it)->has_handle && pthread_equal((*it)->handle, handle)) return *it;
  }
  return nullptr;
}

bool has_ended(const controlled_thread* thread) noexcept {
  return thread->state == run_state::ended;
}

int index_of(const controlled_thread* thread) noexcept {
  return thread->index;
}

std::uint64_t monitor_id_of(const controlled_thread* thread) noexcept {
  return thread->monitor_id.load(std::memory_order_relaxed);
}

void report_begins() noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr || self->report_depth++ != 0) return;
  self->running_before_report = self->schedule->running.exchange(-1, std::memory_order_relaxed);
}

void report_ends() noexcept {
  controlled_thread* self = tls_controlled;
  if (self == nullptr || self->report_depth == 0 || --self->report_depth != 0) return;
  self->schedule->running.store(self->running_before_report, std::memory_order_relaxed);
}

bool capture_finding(const detector::finding& finding) noexcept {
  if (tls_controlled == nullptr) return false;
  schedule_state& s = *tls_controlled->schedule;
  if (s.process_token != nullptr) return false;  // reported as usual, with the token
  if (!s.outcome.failed) {
    s.outcome.failed = true;
    s.outcome.finding = finding;
  }
  return true;
}

namespace {

struct body_package {
  controlled_thread* self;
  void (*body)(void*);
  void* context;
  stack_id created;                   // where explore() was called: the body thread's creation site
  race::thread_token race = nullptr;  // explore()'s caller -> the body: happens-before
};

void* body_main(void* raw) {
  auto* package = static_cast<body_package*>(raw);
  thread_origin origin;
  std::snprintf(origin.name, sizeof origin.name, "explore body");
  origin.created = package->created;
  adopt_current_thread(&origin);
  race_thread_started(package->race, tls_thread->state.id());
  child_begins(package->self);
  try {
    package->body(package->context);
  } catch (const std::exception& e) {
    inside_scope inside;
    detector::finding f;
    f.kind = detector::finding_kind::uncaught_exception;
    f.threads.push_back(make_thread_ref(package->self->monitor_id.load(std::memory_order_relaxed)));
    f.message = fmt::format("an exception escaped the explored body in this interleaving: {}", e.what());
    f.hint =
        "The body threw only in some interleavings: replay this one with its token, and break where it is "
        "thrown (gdb: catch throw) to see which thread's step made the state wrong.";
    capture_finding(f);
  } catch (...) {
    inside_scope inside;
    detector::finding f;
    f.kind = detector::finding_kind::uncaught_exception;
    f.threads.push_back(make_thread_ref(package->self->monitor_id.load(std::memory_order_relaxed)));
    f.message = "an exception of unknown type escaped the explored body in this interleaving";
    f.hint = "Replay this interleaving with its token and break where it is thrown (gdb: catch throw).";
    capture_finding(f);
  }
  race_thread_ending();  // explore()'s caller joins it: the body's accesses come before its return
  return nullptr;
}

}  // namespace

void check_cpus() noexcept {
  g_spin_for_turn = several_cpus();
}

schedule_outcome run_schedule(strategy& chooser, std::uint64_t step_bound, std::uint64_t max_steps,
                              void (*body)(void*), void* context, std::uint64_t stall_ms) {
  auto* s = new schedule_state;  // leaked if the schedule is abandoned (its threads park on it)
  s->chooser = &chooser;
  s->step_bound = step_bound;
  s->max_steps = max_steps;
  chooser.begin_schedule();
  auto* t0 = new controlled_thread;
  t0->schedule = s;
  s->threads.push_back(t0);
  chooser.thread_created(0);
  g_exploring.store(true, std::memory_order_release);
  t0->turn.store(1, std::memory_order_relaxed);
  s->running.store(0, std::memory_order_relaxed);
  stack_id created = kNoStack;
  {
    inside_scope inside;
    created = capture_stack(1);
  }
  body_package package{t0, body, context, created, race_thread_creating()};
  pthread_t handle;
  if (real.create(&handle, nullptr, &body_main, &package) != 0) {
    g_exploring.store(false, std::memory_order_release);
    delete t0;
    delete s;
    schedule_outcome failed;
    failed.failed = true;
    detector::finding f;
    f.kind = detector::finding_kind::step_bound_exceeded;
    f.message = "explore: cannot create the body's thread";
    failed.finding = f;
    return failed;
  }
  // Wait for the end, watching for a thread that stops reaching scheduling
  // points (a spin or a block on something concheck does not control).
  stall_check check = make_stall_check(*s, stall_ms);
  while (s->done.load(std::memory_order_acquire) == 0) {
    const timespec slice{0, 50 * 1000 * 1000};
    futex(&s->done, FUTEX_WAIT, 0, &slice);
    if (s->done.load(std::memory_order_acquire) != 0) break;
    if (has_stalled(*s, check)) {
      // The running thread is stuck outside our view: the schedule is over.
      const int running = s->running.load(std::memory_order_relaxed);
      s->outcome.failed = true;
      s->outcome.finding = stall_finding(*s, stall_ms);
      s->abandoned.store(true, std::memory_order_release);
      // The others park (and leave their wait registrations) as they wake.
      for (controlled_thread* t : s->threads) {
        if (t->state != run_state::ended && t->index != running) give_turn(t);
      }
      break;
    }
  }
  schedule_outcome outcome = std::move(s->outcome);
  outcome.steps = s->steps.load(std::memory_order_relaxed);
  outcome.spins = s->spins;
  const bool abandoned = s->abandoned.load(std::memory_order_acquire);
  if (!abandoned) {
    real.join(handle, nullptr);
    // Its slot among the exiting threads is free now: left taken, the table
    // filled up every 256 schedules and a sweep then asked the kernel about
    // each one (two system calls per slot).
    forget_exiting_thread(handle);
    race_thread_joined(handle);
    for (controlled_thread* t : s->threads) delete t;
    delete s;
  } else {
    real.detach(handle);  // parked (or stuck) for good; s and its blocks stay
  }
  g_exploring.store(false, std::memory_order_release);
  return outcome;
}

namespace {

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_previous[sizeof kCrashSignals / sizeof kCrashSignals[0]];
std::atomic<const char*> g_crash_token{nullptr};
bool g_crash_installed = false;

// Async-signal-safe output: write(2) of a string and of a number.
void say(const char* text) noexcept {
  std::size_t n = 0;
  while (text[n] != '\0') ++n;
  (void)!::write(STDERR_FILENO, text, n);
}
void say_number(std::uint64_t value) noexcept {
  char digits[24];
  int at = 24;
  do {
    digits[--at] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && at > 0);
  (void)!::write(STDERR_FILENO, digits + at, static_cast<std::size_t>(24 - at));
}

void on_crash(int signal_number, siginfo_t*, void*) {
  controlled_thread* self = tls_controlled;
  std::size_t slot = 0;
  while (kCrashSignals[slot] != signal_number) ++slot;
  if (self != nullptr) {
    say("concheck: explore: controlled thread ");
    say_number(self->index);
    say(" (T");
    say_number(self->monitor_id.load(std::memory_order_relaxed));
    say(") died with signal ");
    say_number(static_cast<std::uint64_t>(signal_number));
    say(" (");
    say(sigabbrev_np(signal_number) != nullptr ? sigabbrev_np(signal_number) : "?");
    say(") in this schedule.\nconcheck: run exactly this schedule again with CONCHECK_REPLAY=");
    const char* token = g_crash_token.load(std::memory_order_acquire);
    if (token != nullptr) {
      say(token);
    } else {
      // The decisions so far, run-length encoded (explore_strategies.hpp).
      say("cc5-list-");
      const std::vector<std::uint16_t>& d = self->schedule->outcome.decisions;
      for (std::size_t i = 0; i < d.size();) {
        std::size_t run = 1;
        while (i + run < d.size() && d[i + run] == d[i]) ++run;
        if (i != 0) say("_");
        say_number(d[i]);
        say(".");
        say_number(run);
        i += run;
      }
    }
    say("\n");
    // The stack of the thread that died (backtrace was called once when the
    // reporter was installed, so it loads nothing now).
    say("concheck: its stack:\n");
    void* frames[64];
    const int depth = ::backtrace(frames, 64);
    ::backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  }
  ::sigaction(signal_number, &g_previous[slot], nullptr);
  ::raise(signal_number);
}

// fork() in a controlled thread: the child has only that thread, so no
// other thread of the schedule can ever take a turn there. The child leaves
// explore mode and runs freely (until it execs, as most such children do).
void leave_schedule_in_child() {
  tls_controlled = nullptr;
  g_process_schedule = nullptr;
  g_exploring.store(false, std::memory_order_relaxed);
}

[[gnu::constructor]] void register_fork_handler() {
  ::pthread_atfork(nullptr, nullptr, &leave_schedule_in_child);
}

}  // namespace

void install_crash_reporter() noexcept {
  if (g_crash_installed) return;
  void* warm[2];
  ::backtrace(warm, 2);  // loads libgcc's unwinder now, not in a signal handler
  struct sigaction action {};
  action.sa_sigaction = &on_crash;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < sizeof kCrashSignals / sizeof kCrashSignals[0]; ++i)
    ::sigaction(kCrashSignals[i], &action, &g_previous[i]);
  g_crash_installed = true;
}

void remove_crash_reporter() noexcept {
  if (!g_crash_installed) return;
  for (std::size_t i = 0; i < sizeof kCrashSignals / sizeof kCrashSignals[0]; ++i)
    ::sigaction(kCrashSignals[i], &g_previous[i], nullptr);
  g_crash_installed = false;
}

void set_crash_token(const char* token) noexcept {
  g_crash_token.store(token, std::memory_order_release);
}

}  // namespace concheck::detail::explore
