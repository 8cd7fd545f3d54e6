// The lock-order check of internal_lock.hpp: per thread, the internal locks it
// holds (at most kMaxHeld, in acquisition order). Used only by builds with
// CONCHECK_CHECK_LOCK_ORDER, but always compiled so that a test can enable the
// check in its own translation unit. Reports with write(2) and abort(): no
// allocation, no stdio lock, nothing that could need one of our locks.
#include "concheck/detector/internal_lock.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace concheck::detail::lock_order {
namespace {

constexpr int kMaxHeld = 8;  // concheck never nests more than a few

struct held_entry {
  const void* lock;
  lock_rank rank;
};

// initial-exec: no allocation or lock on first access from any thread.
__thread held_entry t_held[kMaxHeld] __attribute__((tls_model("initial-exec")));
__thread int t_count __attribute__((tls_model("initial-exec"))) = 0;

void write_text(const char* text) noexcept {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

[[noreturn]] void fail(const char* what, lock_rank wanted, lock_rank held) noexcept {
  write_text("concheck: internal error: ");
  write_text(what);
  write_text(": acquiring the ");
  write_text(rank_name(wanted));
  write_text(" lock while holding the ");
  write_text(rank_name(held));
  write_text(" lock (the order is lock_rank in detector/include/concheck/detector/internal_lock.hpp)\n");
  std::abort();
}

}  // namespace

const char* rank_name(lock_rank rank) noexcept {
  switch (rank) {
    case lock_rank::thread_registry:
      return "thread registry";
    case lock_rank::lock_table:
      return "lock table";
    case lock_rank::monitor:
      return "monitor";
    case lock_rank::cv_names:
      return "condition-variable names";
    case lock_rank::symbolizer:
      return "symbolizer";
    case lock_rank::report_sink:
      return "report sink";
    case lock_rank::source_lines:
      return "source lines";
    case lock_rank::monitor_create:
      return "monitor creation";
    case lock_rank::race_heap:
      return "race heap blocks";
    case lock_rank::cv_bindings:
      return "condition-variable bindings";
    case lock_rank::race_summary:
      return "race access summary";
  }
  return "unknown";
}

void check_acquire(lock_rank rank, const void* lock) noexcept {
  for (int i = 0; i < t_count; ++i) {
    if (t_held[i].lock == lock) fail("internal lock taken twice by one thread", rank, t_held[i].rank);
    if (t_held[i].rank >= rank) fail("internal lock order violated", rank, t_held[i].rank);
  }
}

void note_acquired(lock_rank rank, const void* lock) noexcept {
  if (t_count == kMaxHeld) fail("too many internal locks held at once", rank, t_held[t_count - 1].rank);
  t_held[t_count++] = held_entry{lock, rank};
}

void note_released(const void* lock) noexcept {
  for (int i = t_count; i-- > 0;) {
    if (t_held[i].lock != lock) continue;
    for (int j = i + 1; j < t_count; ++j) t_held[j - 1] = t_held[j];
    --t_count;
    return;
  }
}

}  // namespace concheck::detail::lock_order
