// concheck detector: which mutex the waiters of each condition variable use
// (private to detector/src; the monitor's cv_wait_begin/cv_wait_end).
//
// A binding (cv -> mutex, waiters) exists while at least one thread waits on
// the cv; the first waiter binds the mutex, and a waiter with another mutex
// while the cv has waiters is the `two_mutexes` misuse. Exact: every
// begin/end/forget of one cv is serialized by its stripe's lock, so a second
// waiter with another mutex always sees the first's binding.
//
// Storage: 64 stripes chosen by a hash of the cv, each an unordered array of
// the bindings of its waited cvs under its own internal_lock (rank
// cv_bindings, a leaf). It replaced a map under the monitor's global lock,
// which every wait took twice, with the user's mutex held, and which
// allocated and freed a node at every wait of a cv nobody else waited on.
// Cost per call: one uncontended lock and a scan of the stripe's bindings,
// O(1 + cvs waited on right now / 64); no allocation once a stripe's array
// has grown to its largest number of waited cvs. Memory: 16 bytes per cv
// waited on at once, per stripe's peak; never shrinks.
//
// Fork: a forked child has no thread waiting, so it drops every binding
// (after_fork_child), lock and array alike, without taking the locks; a
// parent's waiters must not make the child's waits look like misuse.
#pragma once

#include <cstddef>
#include <cstdint>

#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/monitor.hpp"

namespace concheck::detector {

class cv_binding_table {
 public:
  cv_binding_table() = default;
  ~cv_binding_table();
  cv_binding_table(const cv_binding_table&) = delete;
  cv_binding_table& operator=(const cv_binding_table&) = delete;

  // A wait on `cv` with `mutex` begins: binds the mutex if nobody waits,
  // counts the waiter either way. Returns the mutex the other waiters use
  // when it is not `mutex` (the two_mutexes misuse), else 0.
  lock_id begin(std::uint64_t cv, lock_id mutex) noexcept;
  // The wait ended: the binding goes with its last waiter. Unknown cvs
  // (forgotten meanwhile) are ignored.
  void end(std::uint64_t cv) noexcept;
  // The cv ended (destroyed): its binding goes, waiters or not.
  void forget(std::uint64_t cv) noexcept;
  // Bindings right now.
  std::size_t size() noexcept;
  // In a forked child only: every binding dropped, every stripe lock free.
  void after_fork_child() noexcept;

 private:
  struct binding {
    std::uint64_t cv;
    lock_id mutex;
    std::uint32_t waiters;
  };
  struct alignas(64) stripe {
    detail::internal_lock lock{detail::lock_rank::cv_bindings};
    binding* items CONCHECK_GUARDED_BY(lock) = nullptr;
    std::uint32_t count CONCHECK_GUARDED_BY(lock) = 0;
    std::uint32_t capacity CONCHECK_GUARDED_BY(lock) = 0;
  };
  static constexpr std::size_t kStripes = 64;

  stripe& stripe_of(std::uint64_t cv) noexcept { return stripes_[mix64(cv) >> 58]; }
  // The binding of `cv` in `s`, or nullptr.
  static binding* find(stripe& s, std::uint64_t cv) noexcept CONCHECK_REQUIRES(s.lock);
  static void remove(stripe& s, binding* item) noexcept CONCHECK_REQUIRES(s.lock);

  stripe stripes_[kStripes];
};

}  // namespace concheck::detector
