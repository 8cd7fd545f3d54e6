// concheck runtime: interposed pthread_cond_* functions (std::condition_variable
// and raw condition variables). Waits are registered (for dumps and the
// "everyone blocked" check) and checked for misuse; the wait itself is the
// real, uninterrupted one: slicing it would lose notifies sent between slices.
#include <fmt/format.h>
#include <pthread.h>

#include <atomic>

#include "interpose_common.hpp"
#include "registry_dump.hpp"
#include "report_sink.hpp"

using namespace concheck::detail;
namespace det = concheck::detector;

namespace {

// Threads inside a condition-variable wait right now: a destroy looks for
// waiters only when there are any.
constinit std::atomic<int> g_condition_waiters{0};

// What a wait undoes when the real wait is over, on every way out of it: the
// real wait returns with the mutex held again, or the thread is cancelled in
// it, and then glibc re-acquires the mutex before the unwinding leaves the
// real wait (the thread's cleanup handlers and destructors, e.g.
// ~unique_lock, unlock it next). Either way the mutex is held again here, so
// the destructor (run by the cancellation's unwinding too) records it as
// held and ends the wait's registration (docs/design.md, Hard cases,
// "Cancellation in a condition-variable wait").
class wait_in_progress {
 public:
  wait_in_progress(thread_record* self, det::held_lock entry, det::lock_id mutex, std::uint64_t cv_key,
                   std::uintptr_t pc) noexcept
      : self_(self), entry_(entry), cv_key_(cv_key) {
    if (entry_.lock == 0) {
      // Waited without holding the mutex (reported): it holds it afterwards.
      entry_ = det::held_lock{mutex, pc, 0, det::lock_mode::exclusive, 1};
    }
  }
  ~wait_in_progress() {
    end_wait(self_);
    g_condition_waiters.fetch_sub(1, std::memory_order_relaxed);
    the_monitor().reacquire_after_wait(self_->state, entry_);
    the_monitor().cv_wait_end(cv_key_);
    race_on_acquire(reinterpret_cast<const void*>(cv_key_));  // what the notifier released
    race_on_acquired(entry_.lock, entry_.mode);
  }
  wait_in_progress(const wait_in_progress&) = delete;
  wait_in_progress& operator=(const wait_in_progress&) = delete;

 private:
  thread_record* self_;
  det::held_lock entry_;
  std::uint64_t cv_key_;
};

// Explore mode: the wait as the scheduler sees it. The mutex is released
// for real (its waiters may retry), the thread blocks on the condition
// variable until a notify wakes it (or, timed, until the scheduler lets the
// deadline pass), then re-acquires the mutex like any acquisition.
int explore_wait(pthread_cond_t* cv, pthread_mutex_t* m, det::lock_id mutex, const timespec* abstime,
                 clockid_t clock, std::uintptr_t pc) noexcept {
  real.mutex_unlock(m);
  explore_unlocked(mutex);
  const bool timed = abstime != nullptr;
  explore::await_lock(explore::lock_key(mutex));
  const bool timed_out = explore::block_on(cv, det::wait_kind::condition, reinterpret_cast<std::uint64_t>(cv),
                                           timed, timed ? explore::virtual_deadline(clock, *abstime) : 0, pc);
  explore::await_lock(nullptr);
  while (real.mutex_trylock(m) == EBUSY)
    explore::block_on(explore::lock_key(mutex), det::wait_kind::lock, mutex, false, 0, pc);
  explore_acquired(mutex, det::lock_mode::exclusive);
  return timed_out ? ETIMEDOUT : 0;
}

template <class Wait>
int instrumented_wait(pthread_cond_t* cv, pthread_mutex_t* m, bool timed, std::uintptr_t pc, Wait wait,
                      const timespec* abstime = nullptr, clockid_t clock = CLOCK_REALTIME) {
  if (explore::controlled()) explore::point(explore::point_kind::wait);
  thread_record* self = current_thread();
  if (self == nullptr) return wait();
  inside_scope inside;
  const lock_handle mutex = mutex_record(m, pc);
  if (!mutex) return wait();
  const auto cv_key = reinterpret_cast<std::uint64_t>(cv);
  const det::cv_check check = the_monitor().cv_wait_begin(self->state, cv_key, mutex->id);
  if (check.misuse != det::cv_misuse::none) report_cv_misuse(self, cv, mutex, check, pc);
  // The real unlock is inside the real wait: the lockset loses the mutex
  // before it (no access of this thread comes between).
  race_on_releasing(self, mutex->id);
  race_on_released(mutex->id);
  const det::held_lock entry = the_monitor().release_for_wait(self->state, mutex->id);
  g_condition_waiters.fetch_add(1, std::memory_order_relaxed);
  begin_wait(self, det::wait_kind::condition, cv_key, false, timed, pc);
  if (!timed) ensure_watchdog();
  const wait_in_progress waiting(self, entry, mutex->id, cv_key, pc);
  if (explore::controlled()) return explore_wait(cv, m, mutex->id, timed ? abstime : nullptr, clock, pc);
  return wait();
}

// A condition variable destroyed while threads wait on it (undefined
// behaviour; glibc 2.36 blocks the destroying thread until they wake):
// reported as destroy-locked, naming the waiters. True if there are waiters.
bool report_destroy_while_waited(thread_record* self, std::uint64_t cv) {
  det::finding finding;
  finding.kind = det::finding_kind::destroy_locked;
  finding.threads.push_back(make_thread_ref(self->state.id()));
  std::string waiters;
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (r == self || !r->alive.load(std::memory_order_acquire)) continue;
    if (r->wait_kind.load(std::memory_order_acquire) != det::wait_kind::condition ||
        r->wait_target.load(std::memory_order_relaxed) != cv)
      continue;
    finding.threads.push_back(make_thread_ref(r->state.id()));
    const stack_id stack = r->wait_stack.load(std::memory_order_relaxed);
    finding.sites.push_back(stack != kNoStack ? make_site(stack)
                                              : site_from_pc(r->wait_pc.load(std::memory_order_relaxed)));
    waiters += fmt::format("{}T{}", waiters.empty() ? "" : ", ", r->state.id());
  }
  if (waiters.empty()) return false;
  finding.sites.insert(finding.sites.begin(), make_site(capture_stack(2)));
  finding.message =
      fmt::format("{} is destroyed while {} wait{} on it ({}); pthread_cond_destroy blocks until they wake",
                  condition_variable_display_name(cv), finding.threads.size() == 2 ? "a thread" : "threads",
                  finding.threads.size() == 2 ? "s" : "", waiters);
  finding.hint =
      "Wake the waiters (notify under the mutex) and join them before destroying the condition variable.";
  emit_finding(std::move(finding), severity::report);
  return true;
}

}  // namespace

extern "C" {

int pthread_cond_wait(pthread_cond_t* cv, pthread_mutex_t* m) {
  if (tls_inside != 0) return real.cond_wait(cv, m);
  return instrumented_wait(cv, m, false, caller_pc(__builtin_return_address(0)),
                           [cv, m] { return real.cond_wait(cv, m); });
}

int pthread_cond_timedwait(pthread_cond_t* cv, pthread_mutex_t* m, const struct timespec* abstime) {
  if (tls_inside != 0) return real.cond_timedwait(cv, m, abstime);
  return instrumented_wait(
      cv, m, true, caller_pc(__builtin_return_address(0)),
      [=] { return real.cond_timedwait(cv, m, abstime); }, abstime, CLOCK_REALTIME);
}

int pthread_cond_clockwait(pthread_cond_t* cv, pthread_mutex_t* m, clockid_t clock,
                           const struct timespec* abstime) {
  if (tls_inside != 0) return real.cond_clockwait(cv, m, clock, abstime);
  return instrumented_wait(
      cv, m, true, caller_pc(__builtin_return_address(0)),
      [=] { return real.cond_clockwait(cv, m, clock, abstime); }, abstime, clock);
}

// In explore mode a notify is a scheduling point and wakes the scheduler's
// waiters (the first to wait for signal, all for broadcast); no thread waits
// in the real condition variable then.
int pthread_cond_signal(pthread_cond_t* cv) {
  if (explore::controlled() && tls_inside == 0) {
    explore::point(explore::point_kind::notify);
    explore::wake_one(cv);
  }
  if (tls_inside == 0) race_on_release(cv);
  return real.cond_signal(cv);
}

int pthread_cond_broadcast(pthread_cond_t* cv) {
  if (explore::controlled() && tls_inside == 0) {
    explore::point(explore::point_kind::notify);
    explore::wake_all(cv);
  }
  if (tls_inside == 0) race_on_release(cv);
  return real.cond_broadcast(cv);
}

int pthread_cond_init(pthread_cond_t* cv, const pthread_condattr_t* attributes) {
  return real.cond_init(cv, attributes);
}

int pthread_cond_destroy(pthread_cond_t* cv) {
  if (tls_inside != 0) return real.cond_destroy(cv);
  inside_scope inside;
  const auto cv_key = reinterpret_cast<std::uint64_t>(cv);
  the_monitor().on_cv_destroyed(cv_key);
  thread_record* self = current_thread();
  if (self == nullptr || g_condition_waiters.load(std::memory_order_relaxed) == 0 ||
      !report_destroy_while_waited(self, cv_key))
    return real.cond_destroy(cv);
  // glibc's pthread_cond_destroy waits for the waiters to wake: the
  // destroying thread is blocked on the condition variable too, and if
  // nothing wakes the waiters the watchdog reports the deadlock.
  begin_wait(self, det::wait_kind::condition, cv_key, false, false, caller_pc(__builtin_return_address(0)));
  const wait_end_guard waiting(self);
  ensure_watchdog();
  return real.cond_destroy(cv);
}

}  // extern "C"
