// concheck runtime: an error that stops the process at start. INTERNAL.
//
// Some mistakes make the runtime unusable before it has initialized
// anything: ThreadSanitizer's runtime linked too (race/tsan_conflict.hpp),
// two copies of concheck's runtime in one process (runtime_copies.hpp).
// stop_at_start() writes one message to stderr and ends the process with
// _exit(2), as a malformed CONCHECK_OPTIONS does. It allocates nothing (with
// a foreign malloc in the process, concheck's own frees are what crash), so
// it assembles the line in a fixed buffer (2 KiB; longer messages are cut)
// and writes it with write(2): text ("concheck: error: ..."), or with
// format=json in CONCHECK_OPTIONS a `notice` record (docs/report-format.md),
// level "error".
#pragma once

#include <initializer_list>
#include <string_view>

namespace concheck::detail {

// Writes "concheck: error: " and the parts, in order, then ends the process
// with _exit(2). Never returns.
[[noreturn]] void stop_at_start(std::initializer_list<std::string_view> parts) noexcept;

}  // namespace concheck::detail
