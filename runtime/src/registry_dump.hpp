// concheck runtime: describing threads and locks for reports and dumps. INTERNAL.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "concheck/detector/finding.hpp"
#include "concheck/detector/log_records.hpp"
#include "lock_registry.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {

// Report references built from the registries (empty name/site when unknown).
detector::thread_ref make_thread_ref(detector::thread_id id);
detector::lock_ref make_lock_ref(detector::lock_id id);
detector::lock_ref make_lock_ref(const lock_info& info);

// The type a report gives a pthread lock of class `klass` (no concheck
// primitive) from the stack of its first use, innermost first. The standard
// type whose member made the call ("std::mutex" for std::mutex::lock(),
// inlined or not), looked for only among the frames between the lock call
// and the first user frame: frames farther out (the code a signal handler
// interrupted, the user's callers) say nothing about this call. Otherwise
// the pthread type, except for a mutex whose calling frame has no line
// information: there a std::mutex::lock() inlined into the caller leaves no
// trace, so a direct pthread_mutex_lock() cannot be told from it, and the
// type is kUntoldMutexType (rendered "std::mutex or pthread_mutex_t").
inline constexpr const char* kUntoldMutexType = "mutex";
std::string lock_type_from_first_use(const detector::site& first_use, lock_class klass);
// As the detector's renderers name it on its own ("'name'", "'mu' (f, f.cpp:9)",
// "mutex M7 (first locked at f.cpp:9)"); within a finding use
// detector::lock_display_name(finding, id), the short name.
std::string lock_display_name(const detector::lock_ref& lock);
std::string thread_display_name(const detector::thread_ref& thread);
// A site from a bare return address (symbolized at report time).
detector::site site_from_pc(std::uintptr_t pc);
// Where a held lock was acquired: its stack when one was captured, else its
// return address; when that address lies wholly inside library code (a
// concheck::mutex locked through an out-of-line std::lock_guard constructor),
// the primitive's record of its caller is added so the site is the user's.
detector::site held_lock_site(const detector::held_lock& held);

// Names of concheck's condition variables, by the address of their
// pthread_cond_t, so waits read "'jobs.not_empty'" rather than an address.
// A hash map under its own internal lock (never held while calling out);
// an entry lives from on_object_created to on_object_destroyed, so memory is
// bounded by the condition variables alive at once. O(1) per operation.
void remember_condition_variable(const void* cv, bool any, const char* name, const char* file,
                                 int line) noexcept;
void forget_condition_variable(const void* cv) noexcept;
// False if `cv` is not a known condition variable.
bool rename_condition_variable(const void* cv, const char* name) noexcept;
// "condition variable 'name'", or "concheck::condition_variable created at file:line", or
// "condition variable 0x…" for one concheck did not create.
std::string condition_variable_display_name(std::uint64_t cv);
// What a thread's wait is for, in words ("condition variable 'jobs.not_empty'", "T3 to exit").
std::string describe_wait_target(detector::wait_kind kind, std::uint64_t target);
void condition_variables_after_fork_child() noexcept;

// Every live thread with its held locks and its wait (pid and dump number
// left for the report sink to stamp).
std::vector<detector::dumped_thread> collect_thread_dump();
// The text dump: kThreadDumpHeader, then each thread's lines.
std::string render_thread_dump_text(const std::vector<detector::dumped_thread>& threads);
// dump_threads to the report log (the dump signal's handler).
void dump_threads_to_log() noexcept;

}  // namespace concheck::detail
