// concheck runtime: the hooks concheck's primitives call (internal/hooks.hpp).
#include "concheck/internal/hooks.hpp"

#include <pthread.h>

#include <cstring>

#include "real_functions.hpp"
#include "registry_dump.hpp"
#include "runtime_core.hpp"
#include "thread_start.hpp"

namespace concheck::detail {
namespace {

bool is_rwlock_type(object_type type) noexcept {
  return type == object_type::shared_mutex || type == object_type::shared_timed_mutex;
}

bool is_cv_type(object_type type) noexcept {
  return type == object_type::condition_variable || type == object_type::condition_variable_any;
}

bool record_locked(lock_handle lock) noexcept {
  lock_info info;
  if (!find_lock_info(lock.id, info)) return false;
  const void* object = reinterpret_cast<const void*>(info.address);
  if (info.klass == lock_class::mutex) return static_cast<const pthread_mutex_t*>(object)->__data.__lock != 0;
  if (info.klass != lock_class::rwlock) return false;  // primitives are never spin locks
  const unsigned readers = static_cast<const pthread_rwlock_t*>(object)->__data.__readers;
  return (readers & 2u) != 0 || (readers >> 3) != 0;
}

}  // namespace

void on_object_created(const void* object, object_type type, const char* name,
                       std::source_location created) noexcept {
  if (object == nullptr) return;
  if (is_cv_type(type)) {
    // Condition variables are not locks: only their name and site are kept.
    remember_condition_variable(object, type == object_type::condition_variable_any, name,
                                created.file_name(), static_cast<int>(created.line()));
    return;
  }
  inside_scope inside;
  runtime_init();
  auto* mutable_object = const_cast<void*>(object);
  const lock_handle lock = is_rwlock_type(type)
                               ? rwlock_record(static_cast<pthread_rwlock_t*>(mutable_object), 0)
                               : mutex_record(static_cast<pthread_mutex_t*>(mutable_object), 0);
  describe_lock(lock, type, name, created.file_name(), created.function_name(),
                static_cast<int>(created.line()));
}

void on_object_destroyed(const void* object) noexcept {
  if (object == nullptr) return;
  inside_scope inside;
  the_monitor().on_cv_destroyed(reinterpret_cast<std::uint64_t>(object));
  forget_condition_variable(object);
  const lock_handle lock = existing_lock(object);
  if (!lock) return;
  if (record_locked(lock))
    report_destroy_locked(lock, false, reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
  // The lock's identity ends here: its stamp becomes an ended one, so the
  // pthread_*_destroy that follows sees no lock (and reports nothing twice)
  // and a use through a dangling reference is reported.
  end_lock(lock, const_cast<void*>(object), false);
}

void on_object_renamed(const void* object, const char* name) noexcept {
  if (object == nullptr) return;
  inside_scope inside;
  if (rename_condition_variable(object, name)) return;
  rename_lock(existing_lock(object), name);
}

void set_current_thread_name(const char* name) noexcept {
  if (name == nullptr) name = "";
  inside_scope inside;
  thread_record* self = current_thread();
  if (self != nullptr) set_thread_name(self, name);
  char os_name[16];
  std::strncpy(os_name, name, sizeof os_name - 1);
  os_name[sizeof os_name - 1] = '\0';
  real.setname_np(pthread_self(), os_name);
}

void set_next_thread_site(std::source_location created, const char* name) noexcept {
  thread_origin origin;
  origin.file = created.file_name();
  origin.function = created.function_name();
  origin.line = static_cast<int>(created.line());
  if (name != nullptr) {
    std::strncpy(origin.name, name, sizeof origin.name - 1);
    origin.name[sizeof origin.name - 1] = '\0';
  }
  set_next_thread_origin(origin);
}

}  // namespace concheck::detail
