// concheck runtime: creation data handed from pthread_create to the new
// thread. INTERNAL.
#pragma once

#include "thread_registry.hpp"

namespace concheck::detail {

// The calling thread's pending origin (site and name) for the next thread it
// creates; pthread_create consumes and clears it (hooks' set_next_thread_site).
thread_origin& pending_origin() noexcept;
void set_next_thread_origin(const thread_origin& origin) noexcept;

}  // namespace concheck::detail
