// concheck runtime: the thread registry (see thread_registry.hpp).
#include "thread_registry.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "explore_scheduler.hpp"
#include "fork_holders.hpp"
#include "lock_names.hpp"
#include "race/race_sync.hpp"
#include "registry_dump.hpp"
#include "runtime_core.hpp"

namespace concheck::detail {

__thread thread_record* tls_thread __attribute__((tls_model("initial-exec"))) = nullptr;
__thread int tls_inside __attribute__((tls_model("initial-exec"))) = 0;

namespace {

constinit internal_lock g_registry_lock{lock_rank::thread_registry};
constinit std::atomic<thread_record*> g_all{nullptr};
constinit thread_record* g_free CONCHECK_GUARDED_BY(g_registry_lock) = nullptr;
constinit std::atomic<std::uint64_t> g_next_thread_id{1};  // T0 is reserved for the main thread
constinit std::atomic<std::size_t> g_live{0};
constinit pthread_key_t g_exit_key = 0;
constinit std::atomic<bool> g_key_ready{false};
constinit std::atomic<std::uint64_t> g_generation{0};
constinit std::atomic<long> g_starting{0};
constexpr std::size_t kExitingSlots = 256;
constinit std::atomic<int> g_exiting[kExitingSlots] = {};               // kernel tid, 0 = free
constinit std::atomic<pthread_t> g_exiting_handle[kExitingSlots] = {};  // 0 while claimed or free

void free_exiting_slot(std::size_t i, int tid) noexcept {
  g_exiting_handle[i].store(0, std::memory_order_relaxed);
  g_exiting[i].compare_exchange_strong(tid, 0, std::memory_order_acq_rel);
}

bool kernel_knows_thread(int tid) noexcept {
  return !(syscall(SYS_tgkill, getpid(), tid, 0) != 0 && errno == ESRCH);
}

// Frees the slots of threads that really ended; true if one is still exiting.
bool sweep_exiting() noexcept {
  const int saved_errno = errno;
  bool any = false;
  for (std::size_t i = 0; i < kExitingSlots; ++i) {
    const int tid = g_exiting[i].load(std::memory_order_acquire);
    if (tid == 0) continue;
    if (!kernel_knows_thread(tid)) {
      free_exiting_slot(i, tid);
      continue;
    }
    any = true;
  }
  errno = saved_errno;
  return any;
}

void note_thread_exiting(int tid, pthread_t handle) noexcept {
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (std::size_t i = 0; i < kExitingSlots; ++i) {
      int expected = 0;
      if (g_exiting[i].load(std::memory_order_relaxed) == 0 &&
          g_exiting[i].compare_exchange_strong(expected, tid, std::memory_order_acq_rel)) {
        g_exiting_handle[i].store(handle, std::memory_order_release);
        return;
      }
    }
    sweep_exiting();
  }
}

void forget_exiting_tid(int tid) noexcept {
  for (std::size_t i = 0; i < kExitingSlots; ++i) {
    if (g_exiting[i].load(std::memory_order_relaxed) == tid) free_exiting_slot(i, tid);
  }
}

void on_thread_key_destroyed(void* value) noexcept;

// Ended threads, for reports that mention them later (registry lock).
struct ended_thread {
  std::uint64_t id = ~std::uint64_t{0};
  char name[64] = {};
  stack_id created = kNoStack;
  const char* created_file = nullptr;
  const char* created_function = nullptr;
  int created_line = 0;
};
constexpr std::size_t kEndedThreads = 4096;
constinit ended_thread* g_ended = nullptr;  // allocated on first thread end
constinit std::size_t g_ended_next = 0;

void remember_ended(const thread_record& record) noexcept {
  if (g_ended == nullptr) {
    g_ended = new (std::nothrow) ended_thread[kEndedThreads];
    if (g_ended == nullptr) return;
  }
  ended_thread& slot = g_ended[g_ended_next++ % kEndedThreads];
  slot.id = record.state.id();
  std::memcpy(slot.name, record.name, sizeof slot.name);
  slot.created = record.created;
  slot.created_file = record.created_file;
  slot.created_function = record.created_function;
  slot.created_line = record.created_line;
}

void ensure_exit_key() noexcept {
  if (g_key_ready.load(std::memory_order_acquire)) return;
  internal_guard guard(g_registry_lock);
  if (g_key_ready.load(std::memory_order_relaxed)) return;
  if (pthread_key_create(&g_exit_key, &on_thread_key_destroyed) == 0) {
    g_key_ready.store(true, std::memory_order_release);
  }
}

bool is_main_thread() noexcept {
  return syscall(SYS_gettid) == getpid();
}

void on_thread_key_destroyed(void* value) noexcept {
  auto* record = static_cast<thread_record*>(value);
  if (record == nullptr || record != tls_thread) return;
  end_current_thread();
}

// The main thread gets no pthread key destructor (it ends with the process,
// and its record must stay usable for static destructors): a thread_local
// with a destructor tells when it ends instead. glibc runs thread_local
// destructors first when the main thread returns from main or calls exit
// (or pthread_exit), before atexit handlers and static destructors, so a
// lock those take (and keep: a common shutdown guard) is not counted, nor
// are locks that other threads hold when the process ends.
struct main_thread_end {
  bool armed = false;
  ~main_thread_end() {
    thread_record* self = tls_thread;
    if (!armed || self == nullptr || tls_inside != 0) return;
    inside_scope inside;
    on_thread_exit(self);
  }
};
thread_local main_thread_end t_main_thread_end;

}  // namespace

internal_lock& registry_lock() noexcept CONCHECK_RETURN_CAPABILITY(g_registry_lock) {
  return g_registry_lock;
}

thread_record* first_thread_record() noexcept {
  return g_all.load(std::memory_order_acquire);
}

std::size_t live_thread_count() noexcept {
  return g_live.load(std::memory_order_relaxed);
}

thread_record* adopt_current_thread(const thread_origin* origin) noexcept {
  if (tls_thread != nullptr) return tls_thread;
  inside_scope inside;
  runtime_init();
  ensure_exit_key();
  const std::uint64_t id = origin != nullptr && origin->reserved_id != 0 ? origin->reserved_id
                           : (origin == nullptr && is_main_thread())     ? 0
                                                                         : g_next_thread_id.fetch_add(1);
  thread_record* record = nullptr;
  {
    internal_guard guard(g_registry_lock);
    if (g_free != nullptr) {
      record = g_free;
      g_free = record->next_free;
      record->state.reset(id);
    }
  }
  if (record == nullptr) {
    record = new (std::nothrow) thread_record(id);
    if (record == nullptr) return nullptr;
    thread_record* head = g_all.load(std::memory_order_relaxed);
    do {
      record->next = head;
    } while (
        !g_all.compare_exchange_weak(head, record, std::memory_order_release, std::memory_order_relaxed));
  }
  record->handle = pthread_self();
  record->tid = static_cast<int>(syscall(SYS_gettid));
  // This tid is running again (a reused tid, or an exiting thread that came
  // back through a later TLS destructor): it is live, not exiting.
  forget_exiting_tid(record->tid);
  record->wait_kind.store(detector::wait_kind::none, std::memory_order_relaxed);
  record->parent = origin != nullptr ? origin->parent : 0;
  record->created = origin != nullptr ? origin->created : kNoStack;
  record->created_file = origin != nullptr ? origin->file : nullptr;
  record->created_function = origin != nullptr ? origin->function : nullptr;
  record->created_line = origin != nullptr ? origin->line : 0;
  {
    internal_guard guard(g_registry_lock);
    if (origin != nullptr && origin->name[0] != '\0') {
      std::memcpy(record->name, origin->name, sizeof record->name);
    } else if (id == 0) {
      std::strcpy(record->name, "main");
    } else {
      record->name[0] = '\0';
    }
  }
  record->alive.store(true, std::memory_order_release);
  g_live.fetch_add(1, std::memory_order_relaxed);
  g_generation.fetch_add(1, std::memory_order_acq_rel);
  tls_thread = record;
  if (id != 0 && g_key_ready.load(std::memory_order_acquire)) pthread_setspecific(g_exit_key, record);
  if (id == 0) t_main_thread_end.armed = true;
  return record;
}

std::uint64_t reserve_thread_id() noexcept {
  return g_next_thread_id.fetch_add(1);
}

thread_record* find_thread(pthread_t handle) noexcept {
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (r->alive.load(std::memory_order_acquire) && pthread_equal(r->handle, handle)) return r;
  }
  return nullptr;
}

void end_current_thread() noexcept {
  thread_record* self = tls_thread;
  if (self == nullptr) return;
  {
    inside_scope inside;
    on_thread_exit(self);
  }
  // Not the main thread's end (main returned or called exit): static
  // destructors and atexit handlers still run on it, ordered after what it joined.
  if (self->state.id() != 0) race_thread_ending();
  // Counted as exiting before it stops being live, so a watcher never sees
  // the thread in neither state.
  note_thread_exiting(self->tid, self->handle);
  self->alive.store(false, std::memory_order_release);
  g_live.fetch_sub(1, std::memory_order_relaxed);
  g_generation.fetch_add(1, std::memory_order_acq_rel);
  tls_thread = nullptr;
  {
    inside_scope inside;
    internal_guard guard(g_registry_lock);
    remember_ended(*self);
    self->next_free = g_free;
    g_free = self;
  }
  // Explore mode: a controlled thread is done (after its TLS destructors and
  // its thread-exit checks); the turn goes on to the next thread.
  explore::thread_ends();
}

bool find_thread_info(std::uint64_t id, thread_info& out) {
  inside_scope inside;
  internal_guard guard(g_registry_lock);
  auto fill = [&out](const char* name, stack_id created, const char* file, const char* function, int line) {
    out.name = name;
    out.created = created;
    out.created_file = file;
    out.created_function = function;
    out.created_line = line;
  };
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (r->alive.load(std::memory_order_acquire) && r->state.id() == id) {
      fill(r->name, r->created, r->created_file, r->created_function, r->created_line);
      return true;
    }
  }
  if (g_ended == nullptr) return false;
  for (std::size_t i = 0; i < kEndedThreads; ++i) {
    const ended_thread& e = g_ended[i];
    if (e.id == id) {
      fill(e.name, e.created, e.created_file, e.created_function, e.created_line);
      return true;
    }
  }
  return false;
}

void set_thread_name(thread_record* thread, const char* name) noexcept {
  if (thread == nullptr) return;
  internal_guard guard(g_registry_lock);
  std::strncpy(thread->name, name != nullptr ? name : "", sizeof thread->name - 1);
  thread->name[sizeof thread->name - 1] = '\0';
}

std::string thread_name(const thread_record* thread) {
  internal_guard guard(g_registry_lock);
  return std::string(thread->name);
}

void begin_wait(thread_record* self, detector::wait_kind kind, std::uint64_t target, bool shared, bool timed,
                std::uintptr_t pc, bool capture) noexcept {
  const stack_id stack = capture ? capture_stack(1) : kNoStack;
  self->state.begin_change();
  self->wait_stack.store(stack, std::memory_order_relaxed);
  self->wait_target.store(target, std::memory_order_relaxed);
  self->wait_shared.store(shared, std::memory_order_relaxed);
  self->wait_timed.store(timed, std::memory_order_relaxed);
  self->wait_pc.store(pc, std::memory_order_relaxed);
  self->wait_kind.store(kind, std::memory_order_relaxed);
  self->state.end_change();
  // Publish before reading others' states (the check that follows): with
  // both sides doing store-then-load under seq_cst, of two threads closing a
  // cycle at once at least one sees the other's wait.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void note_wait_stack(thread_record* self) noexcept {
  // Not a change the wait-for graph reads: no sequence bump needed.
  self->wait_stack.store(capture_stack(1), std::memory_order_relaxed);
}

void end_wait(thread_record* self) noexcept {
  self->state.begin_change();
  self->wait_kind.store(detector::wait_kind::none, std::memory_order_relaxed);
  self->state.end_change();
}

// No analysis: in the forked child only this thread exists, so the registry
// lock (just reset) guards nothing from anyone.
void registry_after_fork_child() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  g_registry_lock.reset_after_fork();
  condition_variables_after_fork_child();
  lock_names_after_fork_child();
  thread_record* self = tls_thread;
  std::size_t live = 0;
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (r == self) {
      r->handle = pthread_self();
      r->tid = static_cast<int>(syscall(SYS_gettid));
      ++live;
      continue;
    }
    if (r->alive.load(std::memory_order_relaxed)) {
      // Gone with fork(): what it held stays locked here, and reports that
      // name it still need its name and creation site.
      remember_vanished_holds(*r);
      remember_ended(*r);
      r->alive.store(false, std::memory_order_relaxed);
      r->next_free = g_free;
      g_free = r;
    }
  }
  g_live.store(live, std::memory_order_relaxed);
  // Only the calling thread survives fork: nothing is starting or exiting.
  g_starting.store(0, std::memory_order_relaxed);
  for (std::size_t i = 0; i < kExitingSlots; ++i) {
    g_exiting_handle[i].store(0, std::memory_order_relaxed);
    g_exiting[i].store(0, std::memory_order_relaxed);
  }
  g_generation.fetch_add(1, std::memory_order_relaxed);
}

void note_thread_starting() noexcept {
  g_starting.fetch_add(1, std::memory_order_acq_rel);
}

void note_thread_started() noexcept {
  g_starting.fetch_sub(1, std::memory_order_acq_rel);
}

void forget_exiting_thread(pthread_t handle) noexcept {
  for (std::size_t i = 0; i < kExitingSlots; ++i) {
    const int tid = g_exiting[i].load(std::memory_order_acquire);
    if (tid != 0 && pthread_equal(g_exiting_handle[i].load(std::memory_order_acquire), handle)) {
      free_exiting_slot(i, tid);
    }
  }
}

bool threads_in_transition() noexcept {
  if (g_starting.load(std::memory_order_acquire) > 0) return true;
  return sweep_exiting();
}

std::uint64_t thread_generation() noexcept {
  return g_generation.load(std::memory_order_acquire);
}

void registry_init() noexcept {
  ensure_exit_key();
}

}  // namespace concheck::detail
