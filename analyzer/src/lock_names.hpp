// concheck analyzer: the conventional method names of locks (private).
//
// One table for every place that recognizes a lock operation by its name: the
// walker (a call `m.lock_writer()` on a lockable), the type classifier (is a
// user class a lock wrapper?) and the guard classifier (does a destructor
// unlock?). Names cover the standard's (`lock`, `lock_shared`, `try_lock`),
// CamelCase libraries' (`Lock`, `ReaderLock`, absl and GoogleTest), reader/
// writer wrappers (`lock_reader`, `lock_writer`, `rdlock`, `wrlock`, Kyoto
// Cabinet's `lock_try`), `Acquire`/`Release` and slotted locks' `*_all`.
// A name alone never makes a class a lock: ast_types.cpp decides with the
// bodies it can see (docs/analyzer-checks.md, "How lock wrappers are
// recognised"). Pure functions of the name; thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace concheck::analyzer::detail {

// Whether `name` is one of `names` (the tables here and ast_types.cpp's).
inline bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (name == n) return true;
  }
  return false;
}

enum class lock_op { none, lock, lock_shared, try_lock, try_lock_shared, unlock };

// What a method named `name` does to the object it is called on.
lock_op lock_op_of(const std::string& name);

// Whether `name` acts on every slot of a slotted lock (`lock_all`,
// `lock_reader_all`, `unlock_all`): the walker names the lock "obj[]", like a
// call that locks one slot by index.
bool acts_on_all_slots(const std::string& name);

// Whether a call named `name` inside a method body is evidence that the
// method really takes a lock: a pthread/std lock call, a lock-named method,
// an atomic read-modify-write (spin locks), or a Win32 critical section.
bool lock_like_call(const std::string& name);

// Whether a call named `name` releases a lock (used for guard destructors).
bool unlock_like_call(const std::string& name);

}  // namespace concheck::analyzer::detail
