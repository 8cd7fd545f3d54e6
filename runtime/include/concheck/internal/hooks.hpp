// concheck runtime: hooks the instrumented primitives call. INTERNAL: may change
// in any release; include <concheck/concheck.hpp> instead.
//
// The primitives in namespace concheck are thin wrappers over pthread objects
// (pthread_mutex_t, pthread_rwlock_t, pthread_cond_t) whose operations go
// through concheck's interposed pthread functions, so the lock/unlock/wait
// events of both the primitives and unmodified std:: code come from one place.
// What the primitives add is what pthreads cannot say: a name, the type the
// user wrote, the creation site, and the end of the object's life.
//
// Every function here is noexcept, takes no user-visible lock, and is safe to
// call before main, during static destruction and from threads concheck did
// not create.
#pragma once

#include <source_location>

namespace concheck::detail {

// The user-facing type of a lock object, for reports ("concheck::mutex").
enum class object_type : unsigned char {
  mutex,
  recursive_mutex,
  timed_mutex,
  recursive_timed_mutex,
  shared_mutex,
  shared_timed_mutex,
  condition_variable,
  condition_variable_any,
};

// Declares that the pthread object at `object` (a pthread_mutex_t, pthread_rwlock_t
// or pthread_cond_t) is a concheck primitive of `type` named `name` (may be null),
// created at `created`. Call after the pthread object is initialized.
// `name` is copied before the call returns (a lock's name is truncated to 47
// bytes), so temporaries are fine.
void on_object_created(const void* object, object_type type, const char* name,
                       std::source_location created) noexcept;

// Declares the end of the object's life, before the pthread object is destroyed.
// A lock still held is reported as `destroy-locked`. After this call, a new
// object at the same address is a new lock.
void on_object_destroyed(const void* object) noexcept;

// Renames the lock/cv at `object` (e.g. set_name() after construction).
void on_object_renamed(const void* object, const char* name) noexcept;

// Names the calling thread in reports and dumps (also sets the OS name,
// truncated to 15 bytes as pthread_setname_np requires).
void set_current_thread_name(const char* name) noexcept;

// Records the creation site of the next thread the calling thread creates
// (concheck::thread passes its std::source_location before pthread_create).
void set_next_thread_site(std::source_location created, const char* name) noexcept;

}  // namespace concheck::detail
