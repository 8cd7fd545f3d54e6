// Part of race_scenarios compiled WITHOUT instrumentation: instrumented and
// plain code mix in one program (the "mixed-ok" scenario). Its accesses are
// invisible to race detection; its locking is not (the runtime interposes
// pthreads for every caller).
#include <mutex>

void plain_locked_increment(std::mutex& m, long* value) {
  std::lock_guard guard(m);
  ++*value;
}
