// concheck runtime: fewer page faults in the fork server's children (issue
// 11, `concheck run`; docs/explore.md, "Cost"). INTERNAL.
//
// A child of the fork server (explore_process.cpp) runs one schedule and
// exits. In a virtual machine such as the one concheck is measured on, each
// page fault traps to the hypervisor and costs 10-20 µs, so a child's faults
// were a third of its cost. Two kinds are avoided here; neither changes what
// the child computes, so schedules and replay tokens stay the same:
// - Code and read-only data. fork() copies no page-table entries of a mapping
//   that has no anonymous pages (the kernel's vma_needs_copy): every page of a
//   library's code the child runs faulted again (~50 a child). The server
//   maps all of it once (MADV_POPULATE_READ) and gives each such mapping one
//   private copy of its first page (a same-byte write through
//   /proc/self/mem, as a debugger sets a breakpoint), so that fork() copies
//   the entries. Cost: one page of memory per mapping, in the server only.
// - Copy-on-write of the server's pages. The first few children record, at
//   exit, which pages of the server's writable mappings they wrote (present
//   and no longer shared, from /proc/self/pagemap; mappings over 1 GB, such
//   as a sanitizer's shadow, are reservations and are not read); every
//   later child breaks the copy-on-write of those pages at once
//   (MADV_POPULATE_WRITE, one system call a range) at the start of its fork
//   handlers. Measured here: 20-23 µs a page as faults, ~7 µs a page in one
//   call. Pages a schedule does not write are copied for nothing (~7 µs
//   each), so the set is bounded (2,048 pages).
// Only the fork server's process uses this; its children's writes before the
// runtime's first fork handler (glibc's own) still fault.
#pragma once

namespace concheck::detail {

// In the fork server, once before its first fork: the two preparations above.
void prepare_fork_server_pages() noexcept;

// In the server: fork() for one schedule (the result of fork()). A learning
// child records its written pages at exit (an atexit handler registered
// here, so it runs after the program's own handlers).
int fork_schedule_child() noexcept;

// In the server, after a child ended: merges what a learning child recorded
// into the pages later children break at once.
void fork_server_child_ended() noexcept;

// The first thing the runtime's fork handler does in a child: in a child of
// the fork server, breaks copy-on-write of the pages children write.
void fork_server_prefault_in_child() noexcept;

}  // namespace concheck::detail
