// concheck analyzer: thread-specific data (private).
//
// What pthread_getspecific returns is the value the calling thread stored
// with pthread_setspecific: each thread's own object, so long as no thread
// stores an object other threads reach otherwise. compute_thread_specific()
// decides, over the merged program:
//  - whether every thread-specific value is owned: each pthread_setspecific
//    call stores null, fresh memory or another value of this call's own
//    (arg_origin::kind::owned: `new T`, a local pointer to fresh memory, a
//    local's address), or a pointer parameter whose every caller passes
//    such a value for it (transitively, across translation units). `this`,
//    a global, a member, anything of unknown origin, or a parameter of a
//    function with no known caller or started as a thread make it false;
//  - if so, the functions every return of which is a thread-specific value
//    (function_facts::returns_specific), through any number of wrappers
//    (kyotocabinet's `TSD<T>::operator->` over `TSDKey::get`): the greatest
//    set closed under their sources, "pthread_getspecific" included.
// A method called on an object reached through one of those results is
// called on the calling thread's own object (thread_own_receiver): not a
// shared object, and no evidence of one (ownership.hpp, this_owned_at).
// Assumes: code out of sight stores no thread-specific value, and a pointer
// obtained that way is not itself handed to another thread (stored in a
// global): it is the receiver's origin that is judged, as for fresh
// memory. Cost: O(F + C) for the stored values, O(R * rounds) for the
// returns.
#pragma once

#include "summary.hpp"

namespace concheck::analyzer::detail {

void compute_thread_specific(program& p);

// Whether the object `call` runs on is reached through a thread-specific
// value (call_fact::receiver_source is one of program::thread_own_sources).
bool thread_own_receiver(const program& p, const call_fact& call);

}  // namespace concheck::analyzer::detail
