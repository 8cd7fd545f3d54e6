// concheck analyzer: what a type means for concurrency (private).
//
// Standard, pthread and concheck types are known by name; user classes are
// recognized by shape and cached by USR: a class with lock() and unlock() (or
// the `capability`/`lockable` attribute) is a lockable; a class whose
// destructor calls unlock and whose constructor takes a lockable (or with the
// `scoped_lockable` attribute) is a guard. One classifier per translation unit;
// not thread-safe (each TU is walked by one thread).
#pragma once

#include <clang-c/Index.h>

#include <map>
#include <string>

namespace concheck::analyzer::detail {

enum class type_role {
  none,
  mutex,  // lockable: lock/unlock/try_lock (std, pthread, concheck, user)
  guard,  // RAII holder: lock_guard, unique_lock, scoped_lock, user guards
  condvar,
  thread,   // std::thread, concheck::thread (must be joined or detached)
  jthread,  // joins itself
  atomic,
  container,  // standard containers and strings
};

struct type_facts {
  type_role role = type_role::none;
  bool shared_capable = false;  // shared_mutex, rwlock; for guards: a shared (reader) guard
};

class type_classifier {
 public:
  type_facts classify(CXType t);
  bool is_lockable(CXType t) { return classify(t).role == type_role::mutex; }
  // Whether `name` is a method-name that mutates a standard container.
  static bool mutates_container(const std::string& method);

 private:
  type_facts classify_user_class(CXCursor decl);
  std::map<std::string, type_facts> user_classes_;
};

}  // namespace concheck::analyzer::detail
