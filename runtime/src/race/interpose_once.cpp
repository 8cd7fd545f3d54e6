// concheck runtime: one-time initialization as happens-before for race
// detection (race_sync.hpp). pthread_once (std::call_once) and the guards of
// function-local statics synchronize inside glibc and libstdc++, which are
// not instrumented: without these edges every lazily initialized object read
// by a second thread would be reported as racing with its initialization.
//   - the initializer's end releases into the once object's clock;
//   - every return from pthread_once, and a __cxa_guard_acquire that finds
//     the static initialized, acquires it. A guard checked by instrumented
//     inline code (an acquire load of the guard byte, which never calls
//     __cxa_guard_acquire once initialized) acquires the same clock, keyed
//     by the guard's address.
#include <pthread.h>

#include "race_sync.hpp"
#include "real_functions.hpp"
#include "thread_registry.hpp"

using namespace concheck::detail;

namespace {

// The initializer pthread_once is running on this thread, and its object.
// Saved and restored around each call: an initializer may itself call
// pthread_once for another object.
__thread void (*tls_once_routine)() __attribute__((tls_model("initial-exec"))) = nullptr;
__thread pthread_once_t* tls_once_object __attribute__((tls_model("initial-exec"))) = nullptr;

void run_initializer() {
  void (*const routine)() = tls_once_routine;
  pthread_once_t* const object = tls_once_object;
  routine();
  race_on_release(object);
}

}  // namespace

extern "C" {

int pthread_once(pthread_once_t* once, void (*routine)()) {
  if (tls_inside != 0 || !concheck::race::enabled()) return real.once(once, routine);
  void (*const saved_routine)() = tls_once_routine;
  pthread_once_t* const saved_object = tls_once_object;
  tls_once_routine = routine;
  tls_once_object = once;
  const int result = real.once(once, &run_initializer);
  tls_once_routine = saved_routine;
  tls_once_object = saved_object;
  if (result == 0) race_on_acquire(once);
  return result;
}

int __cxa_guard_acquire(std::uint64_t* guard) {
  const int result = real.cxa_guard_acquire(guard);
  if (result == 0 && tls_inside == 0) race_on_acquire(guard);  // initialized by another thread
  return result;
}

void __cxa_guard_release(std::uint64_t* guard) {
  if (tls_inside == 0) race_on_release(guard);
  real.cxa_guard_release(guard);
}

}  // extern "C"
