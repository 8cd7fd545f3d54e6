// concheck runtime: initialization, the monitor instance, fork handling.
#include "runtime_core.hpp"

#include <pthread.h>
#include <signal.h>

#include <new>

#include "fork_server_pages.hpp"
#include "options.hpp"
#include "race/access_summary.hpp"
#include "race/tsan_conflict.hpp"
#include "real_functions.hpp"
#include "registry_dump.hpp"
#include "runtime_copies.hpp"

namespace concheck::detail {
namespace {

constinit std::atomic<int> g_init_state{0};  // 0 none, 1 running, 2 done
constinit internal_lock g_monitor_create_lock{lock_rank::monitor_create};

// The fork handlers hold the registry, lock-table and monitor locks (in their
// rank order) across fork().
void before_fork() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  inside_scope inside;
  registry_lock().lock();
  lock_registry_lock_for_fork();
  the_monitor().lock_for_fork();
}

void after_fork_parent() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  the_monitor().unlock_after_fork();
  lock_registry_unlock_after_fork(false);
  registry_lock().unlock();
}

void after_fork_child() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  fork_server_prefault_in_child();  // first: before the handlers below write
  the_monitor().unlock_after_fork();
  the_monitor().after_fork_child();  // no thread waits on a cv in the child
  lock_registry_unlock_after_fork(true);
  registry_after_fork_child();  // resets the registry lock
  watchdog_after_fork_child();
}

void on_dump_signal(int) {
  dump_threads_to_log();
}

}  // namespace

constinit std::atomic<detector::monitor*> g_monitor{nullptr};

detector::monitor& create_monitor() noexcept {
  inside_scope inside;
  internal_guard guard(g_monitor_create_lock);
  detector::monitor* instance = g_monitor.load(std::memory_order_relaxed);
  if (instance == nullptr) {
    // Never destroyed: locks are still taken during static destruction.
    alignas(detector::monitor) static unsigned char storage[sizeof(detector::monitor)];
    instance = new (storage) detector::monitor();
    g_monitor.store(instance, std::memory_order_release);
  }
  return *instance;
}

void runtime_init() noexcept {
  if (__builtin_expect(g_init_state.load(std::memory_order_acquire) == 2, 1)) return;
  int expected = 0;
  if (!g_init_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel))
    return;  // running or done
  inside_scope inside;
  resolve_real_functions();
  the_monitor();
  registry_init();
  pthread_atfork(&before_fork, &after_fork_parent, &after_fork_child);
  const options& config = get_options();
  if (config.dump_threads_signal > 0) {
    struct sigaction action {};
    action.sa_handler = &on_dump_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(config.dump_threads_signal, &action, nullptr);
  }
  // Registered now, before the program's own atexit handlers and static
  // destructors, so it runs after them (it writes nothing unless race
  // detection ran).
  if (config.access_summary) std::atexit([] { write_access_summary(); });
  g_init_state.store(2, std::memory_order_release);
}

detector::stack_ref capture_for_monitor(void*) {
  // Skip only this frame: reports hide concheck's and the standard library's
  // frames anyway, and skipping more would lose the user's frame whenever a
  // frame in between is inlined or tail-called away.
  const detector::stack_ref id = capture_stack(1);
  asm volatile("" ::: "memory");  // no tail call: this frame must exist to be skipped
  return id;
}

void note_lock_event(thread_record* self, lock_handle lock, const detector::lock_event& event,
                     detector::before_lock_result& result) noexcept {
  if (result.self_deadlock) report_self_deadlock(self, lock, result.held, event.pc);
  if (!result.inversions.empty()) report_inversions(self, result.inversions);
}

// Load-time initialization: options are checked before main, the main thread
// becomes T0 even if another thread makes the first lock call.
__attribute__((constructor)) static void concheck_runtime_load() {
  check_single_runtime_copy();
  race::check_for_libtsan();  // (again, for static links: this pulls tsan_conflict.o in)
  runtime_init();
  if (tls_thread == nullptr) adopt_current_thread(nullptr);
}

}  // namespace concheck::detail

// Referenced by concheck::runtime_static's link options (--undefined) so the
// archive member with the load-time constructor is always linked.
extern "C" {
int concheck_runtime_static_anchor = 0;
}

// Marks an executable linked with the static archive (this object is always
// pulled in): `concheck run` finds the section in the file and does not
// preload a second copy (cli/src/program_runtime.hpp). Shared copies carry it
// too, but `concheck run` looks only at the program's executable.
__attribute__((used, section(".concheck_runtime"))) static const char concheck_runtime_marker[] =
    "concheck runtime";
