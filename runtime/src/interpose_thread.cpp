// concheck runtime: interposed thread functions (std::thread, std::jthread and
// raw pthreads): creation sites and names, joins as waits (a join cycle is a
// deadlock), names set with pthread_setname_np.
#include <pthread.h>

#include <cstring>
#include <new>

#include "explore_scheduler.hpp"
#include "interpose_common.hpp"
#include "thread_start.hpp"

using namespace concheck::detail;
namespace det = concheck::detector;

namespace {

struct start_package {
  void* (*function)(void*);
  void* argument;
  thread_origin origin;
  explore::controlled_thread* controlled = nullptr;  // explore mode: its control block
  concheck::race::thread_token race = nullptr;       // race detection: the creator's clock
};

void* start_thread(void* raw) {
  start_package package = *static_cast<start_package*>(raw);
  {
    inside_scope inside;
    delete static_cast<start_package*>(raw);
  }
  adopt_current_thread(&package.origin);
  note_thread_started();
  if (package.race != nullptr && tls_thread != nullptr)
    race_thread_started(package.race, tls_thread->state.id());
  if (package.controlled != nullptr) explore::child_begins(package.controlled);
  return package.function(package.argument);
}

// Explore mode: a join of a controlled thread waits in the scheduler until
// the thread has ended, then joins it for real (it is past every scheduling
// point: the real join returns as soon as its exit completes).
int explore_join(explore::controlled_thread* target, pthread_t thread, void** result, std::uintptr_t pc) {
  explore::point(explore::point_kind::thread_join);
  while (!explore::has_ended(target)) {
    explore::block_on(target, det::wait_kind::join, explore::monitor_id_of(target), false, 0, pc);
  }
  const int rc = real.join(thread, result);
  if (rc == 0) {
    inside_scope inside;
    forget_exiting_thread(thread);
    race_thread_joined(thread);
  }
  return rc;
}

// Joins in slices so a join cycle found late is still reported.
template <class Forward>
int join_instrumented(pthread_t thread, void** result, std::uintptr_t pc, Forward forward) {
  if (pthread_equal(thread, pthread_self())) return forward();  // EDEADLK from glibc
  thread_record* self = current_thread();
  if (self == nullptr) return forward();
  inside_scope inside;
  // The target may not have started yet (its record is made when it starts):
  // join in slices until it shows up. If it never does (a thread concheck
  // cannot see that never touches a lock), this stays a plain join.
  std::uint64_t target_id = 0;
  for (;;) {
    thread_record* target = find_thread(thread);
    if (target != nullptr) {
      // The record may be recycled for another thread at any moment: the id
      // is the target's only if the record is still alive with its handle
      // afterwards (adoption publishes handle before alive).
      target_id = target->state.id();
      if (target->alive.load(std::memory_order_acquire) && pthread_equal(target->handle, thread)) break;
    }
    const timespec deadline = slice_deadline(CLOCK_MONOTONIC);
    const int rc = real.clockjoin_np(thread, result, CLOCK_MONOTONIC, &deadline);
    if (rc == 0) {
      forget_exiting_thread(thread);
      race_thread_joined(thread);
    }
    if (rc != ETIMEDOUT) return rc;
  }
  int rc;
  {
    begin_wait(self, det::wait_kind::join, target_id, false, false, pc);
    const wait_end_guard waiting(self);  // a join is a cancellation point
    ensure_watchdog();
    check_wait_cycle(self);
    for (;;) {
      const timespec deadline = slice_deadline(CLOCK_MONOTONIC);
      rc = real.clockjoin_np(thread, result, CLOCK_MONOTONIC, &deadline);
      if (rc != ETIMEDOUT) break;
      check_wait_cycle(self);
    }
  }
  if (rc == 0) {
    forget_exiting_thread(thread);
    race_thread_joined(thread);
  }
  return rc;
}

// A join that can give up (tryjoin, timedjoin, clockjoin): shown as a timed
// wait (never part of a deadlock), and on success the thread is joined.
template <class Forward>
int bounded_join(pthread_t thread, std::uintptr_t pc, bool waits, Forward forward) {
  thread_record* self = tls_inside == 0 ? current_thread() : nullptr;
  if (self == nullptr) return forward();
  inside_scope inside;
  thread_record* target = waits ? find_thread(thread) : nullptr;
  if (target != nullptr) begin_wait(self, det::wait_kind::join, target->state.id(), false, true, pc, false);
  int rc;
  {
    const wait_end_guard waiting(target != nullptr ? self : nullptr);
    rc = forward();
  }
  if (rc == 0) {
    forget_exiting_thread(thread);
    race_thread_joined(thread);
  }
  return rc;
}

}  // namespace

namespace concheck::detail {

void set_next_thread_origin(const thread_origin& origin) noexcept {
  pending_origin() = origin;
}

thread_origin& pending_origin() noexcept {
  static thread_local thread_origin origin;
  return origin;
}

}  // namespace concheck::detail

extern "C" {

int pthread_create(pthread_t* thread, const pthread_attr_t* attributes, void* (*function)(void*),
                   void* argument) {
  if (tls_inside != 0) return real.create(thread, attributes, function, argument);
  thread_record* self = current_thread();
  inside_scope inside;
  auto* package = new (std::nothrow) start_package{function, argument, {}};
  if (package == nullptr) return real.create(thread, attributes, function, argument);
  thread_origin& pending = pending_origin();
  package->origin = pending;
  pending = thread_origin{};
  package->origin.parent = self != nullptr ? self->state.id() : 0;
  if (package->origin.file == nullptr) package->origin.created = capture_stack(1);
  package->race = race_thread_creating();
  // Explore mode: the new thread is controlled, and waits for its first turn.
  // Its id is reserved now, so ids follow the schedule however late the
  // kernel starts it.
  if (explore::controlled()) {
    package->origin.reserved_id = reserve_thread_id();
    package->controlled = explore::prepare_child(package->origin.reserved_id);
  }
  explore::controlled_thread* const child = package->controlled;
  // Until the new thread has its record it is running but in no record: the
  // watchdog must not conclude that every thread is blocked meanwhile.
  note_thread_starting();
  const int rc = real.create(thread, attributes, &start_thread, package);
  if (rc != 0) {
    note_thread_started();
    delete package;
  }
  if (child != nullptr) {
    explore::child_created(child, rc == 0 ? thread : nullptr);
    if (rc == 0) explore::point(explore::point_kind::thread_create);
  }
  return rc;
}

int pthread_join(pthread_t thread, void** result) {
  if (explore::controlled() && tls_inside == 0) {
    if (explore::controlled_thread* target = explore::find_controlled(thread))
      return explore_join(target, thread, result, caller_pc(__builtin_return_address(0)));
  }
  if (tls_inside != 0) return real.join(thread, result);
  return join_instrumented(thread, result, caller_pc(__builtin_return_address(0)),
                           [=] { return real.join(thread, result); });
}

int pthread_tryjoin_np(pthread_t thread, void** result) {
  return bounded_join(thread, 0, false, [=] { return real.tryjoin_np(thread, result); });
}

int pthread_timedjoin_np(pthread_t thread, void** result, const struct timespec* abstime) {
  return bounded_join(thread, caller_pc(__builtin_return_address(0)), true,
                      [=] { return real.timedjoin_np(thread, result, abstime); });
}

int pthread_clockjoin_np(pthread_t thread, void** result, clockid_t clock, const struct timespec* abstime) {
  return bounded_join(thread, caller_pc(__builtin_return_address(0)), true,
                      [=] { return real.clockjoin_np(thread, result, clock, abstime); });
}

int pthread_detach(pthread_t thread) {
  return real.detach(thread);
}

int pthread_setname_np(pthread_t thread, const char* name) {
  const int rc = real.setname_np(thread, name);
  if (rc == 0 && tls_inside == 0) {
    inside_scope inside;
    thread_record* target = pthread_equal(thread, pthread_self()) ? current_thread() : find_thread(thread);
    if (target != nullptr) set_thread_name(target, name);
  }
  return rc;
}

}  // extern "C"
