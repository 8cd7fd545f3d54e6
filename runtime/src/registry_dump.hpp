// concheck runtime: describing threads and locks for reports and dumps. INTERNAL.
#pragma once

#include <cstdio>
#include <string>

#include "concheck/detector/finding.hpp"
#include "lock_registry.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {

// Report references built from the registries (empty name/site when unknown).
detector::thread_ref make_thread_ref(detector::thread_id id);
detector::lock_ref make_lock_ref(detector::lock_id id);
detector::lock_ref make_lock_ref(const lock_info& info);
// "'name'" or "mutex #7 (created at file:line)" for messages.
std::string lock_display_name(const detector::lock_ref& lock);
std::string thread_display_name(const detector::thread_ref& thread);
// A site from a bare return address (symbolized at report time).
detector::site site_from_pc(std::uintptr_t pc);

// Every live thread with its held locks and its wait, as text.
std::string describe_threads();
// dump_threads to the report log (the dump signal's handler).
void dump_threads_to_log() noexcept;

}  // namespace concheck::detail
