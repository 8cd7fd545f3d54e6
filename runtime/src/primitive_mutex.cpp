// concheck::mutex and friends: construction and destruction of the pthread
// mutex, and the hooks that give it a name, a type, a creation site and an end.
#include <pthread.h>

#include "concheck/mutex.hpp"

namespace concheck::detail {

pthread_mutex_holder::pthread_mutex_holder(int pthread_type, object_type type, const object_name& name,
                                           std::source_location created) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, pthread_type);
  const int error = pthread_mutex_init(&native_, &attributes);
  pthread_mutexattr_destroy(&attributes);
  if (error != 0) throw_system_error(error, "concheck mutex: pthread_mutex_init");
  on_object_created(&native_, type, name.c_str(), created);
}

pthread_mutex_holder::~pthread_mutex_holder() {
  // The hook comes first: it reports `destroy-locked` while the lock state is
  // still known, and ends this lock's identity before the address can be reused.
  on_object_destroyed(&native_);
  pthread_mutex_destroy(&native_);
}

}  // namespace concheck::detail
