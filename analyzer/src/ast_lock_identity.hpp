// concheck analyzer: which object a lock belongs to, and whether it is
// recursive (private).
//
// Lock ids name a declaration (a field's USR stands for that field in every
// object), which is right for lock order but not for self-deadlock: locking
// `a.mu_` while `b.mu_` is held is not a re-acquisition. These helpers give
// the instance path of a lock expression (see lock_name::instance):
//   mu_, this->mu_      -> "this"          g_mu, Class::s_mu -> "global"
//   impl_->mu_          -> "this.impl_"    other.mu_, p->mu_ -> USR of other / p
//   m (a local or parameter lock) -> its USR;  locks[i], get()->mu_ -> "" (unknown)
// and object_path() the same path for the object a method is called on.
// Pure functions of the AST; cost linear in the expression's depth.
#pragma once

#include <clang-c/Index.h>

#include <string>

namespace concheck::analyzer::detail {

// The instance path of the object expression `object` ("" when unknown).
std::string object_path(CXCursor object);

// The instance path of the lock that `lock_expr` names ("" when unknown).
std::string lock_instance(CXCursor lock_expr);

// Whether the lock `lock_expr` names may be locked again by its holder: a
// recursive mutex type (std::recursive_mutex, recursive_timed_mutex, any type
// named *recursive*/*Recursive*/*Reentrant*), a user lock class whose
// definition or constructor makes it recursive (PTHREAD_MUTEX_RECURSIVE, a
// std::recursive_mutex member), or a pthread mutex that is not visibly
// initialized with PTHREAD_MUTEX_INITIALIZER (its attributes, set at run
// time, may make it recursive).
bool recursive_lock(CXCursor lock_expr);

}  // namespace concheck::analyzer::detail
