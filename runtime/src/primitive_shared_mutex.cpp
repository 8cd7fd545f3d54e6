// concheck::shared_mutex and shared_timed_mutex: construction and destruction
// of the pthread rwlock, and the hooks that name it and end its life.
#include <pthread.h>

#include "concheck/shared_mutex.hpp"

namespace concheck::detail {

pthread_rwlock_holder::pthread_rwlock_holder(object_type type, const object_name& name,
                                             std::source_location created) {
  const int error = pthread_rwlock_init(&native_, nullptr);
  if (error != 0) throw_system_error(error, "concheck shared_mutex: pthread_rwlock_init");
  on_object_created(&native_, type, name.c_str(), created);
}

pthread_rwlock_holder::~pthread_rwlock_holder() {
  on_object_destroyed(&native_);
  pthread_rwlock_destroy(&native_);
}

}  // namespace concheck::detail
