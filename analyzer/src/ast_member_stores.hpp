// concheck analyzer: pointer members that only hold objects made for them
// (private).
//
// scan_member_stores() looks at every use of a pointer field of a user class
// in a function (its body and a constructor's initializers) and
// note_field_initializer() at a field's default initializer. A field stays
// "fresh" (tu_facts::fresh_pointer_members) while every use reads the
// pointer's value (`cache_->clear()`, `if (cache_)`, `delete cache_`,
// `f(cache_)`) or stores into it, with `=` or an initializer, a `new`
// expression (not a placement new) or null. Anything else (`cache_ = m`,
// `cache_(other.cache_)`, `&cache_`, binding a reference to it, `++`) makes
// it not fresh, and so does being public, or a member of a class template
// or of one of its specializations (a dependent use may be an unseen store).
// Each object such a field ever points at was made by a `new` stored
// straight into that field, so two different fresh fields never point at the
// same object (member_origins.hpp). Code nested deeper than the walks
// follow leaves a store unseen: the TU then records the key "" as not fresh,
// and no member of the program counts as fresh. Cost: linear in the size of
// the code.
#pragma once

#include <clang-c/Index.h>

#include <string>

#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

void scan_member_stores(tu_context& tu, CXCursor function);
void note_field_initializer(tu_context& tu, CXCursor field);

// The pointer field of the caller's own object that a method call's object
// `object` is read from (`cache_` or `this->cache_`, one link, a pointer):
// its USR, else "".
std::string pointer_member_of(CXCursor object);

}  // namespace concheck::analyzer::detail
