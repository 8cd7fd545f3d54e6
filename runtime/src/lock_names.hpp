// concheck runtime: what the program calls a lock nobody named. INTERNAL.
//
// At report time only (never on a lock operation), an unnamed lock gets
// lock_ref::variable from, in order:
//  1. the symbol table: a global (or a member of one) is named by its symbol,
//     "g_mu" or "g_cache+16" (symbolize.hpp, data_symbol_name);
//  2. its first lock site's source line, when the file is readable (a
//     relative path is tried as is, then from the module's directory and its
//     ancestors, source_paths.hpp): the expression the guard, std::lock,
//     .lock() or pthread_*lock call locks there
//     (detector/lock_source_name.hpp).
// concheck primitives are named from the symbol table only: their site is
// where they were created, not a lock site. Source lines read are cached by
// (file, line) for the process, under their own internal lock (never held
// while reading); the cache holds only lines that named a lock site, so it
// stays as small as the set of first-lock lines reported.
#pragma once

#include "concheck/detector/finding.hpp"

namespace concheck::detail {

// Fills lock.variable / lock.variable_from when lock.name is empty and a
// name is found; leaves the lock as it is otherwise. Never throws.
void name_unnamed_lock(detector::lock_ref& lock) noexcept;
// In a fork child: the cache's lock may have been held by a thread that is gone.
void lock_names_after_fork_child() noexcept;

}  // namespace concheck::detail
