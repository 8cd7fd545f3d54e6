#include "concheck/detector/finding.hpp"

#include <array>
#include <utility>

namespace concheck::detector {
namespace {

struct kind_entry {
  finding_kind kind;
  std::string_view name;
  std::string_view description;
};

constexpr std::array<kind_entry, 13> kKinds{{
    {finding_kind::lock_order_inversion, "lock-order-inversion", "potential deadlock"},
    {finding_kind::deadlock, "deadlock", "threads blocked on each other"},
    {finding_kind::self_deadlock, "self-deadlock", "a thread blocks on a lock it holds"},
    {finding_kind::unlock_not_owned, "unlock-not-owned", "unlock of a lock the thread does not hold"},
    {finding_kind::destroy_locked, "destroy-locked", "a lock destroyed while held"},
    {finding_kind::thread_exit_holding_lock, "thread-exit-holding-lock", "a thread ended holding a lock"},
    {finding_kind::cv_wait_unlocked, "cv-wait-unlocked", "condition variable wait without its mutex"},
    {finding_kind::data_race, "data-race", "unsynchronized conflicting accesses"},
    {finding_kind::uncaught_exception, "uncaught-exception", "an exception escaped a thread"},
    {finding_kind::assertion_failure, "assertion-failure", "an assertion failed"},
    {finding_kind::thread_not_joined, "thread-not-joined", "a thread was never joined"},
    {finding_kind::step_bound_exceeded, "step-bound-exceeded", "livelock or uninstrumented spin"},
    {finding_kind::use_after_destroy, "use-after-destroy", "a lock used after it was destroyed or freed"},
}};

}  // namespace

std::string_view to_string(finding_kind kind) noexcept {
  return kKinds[static_cast<std::size_t>(kind)].name;
}

std::string_view describe(finding_kind kind) noexcept {
  return kKinds[static_cast<std::size_t>(kind)].description;
}

std::optional<finding_kind> finding_kind_from_string(std::string_view name) noexcept {
  for (const auto& entry : kKinds) {
    if (entry.name == name) return entry.kind;
  }
  return std::nullopt;
}

const lock_ref* finding::find_lock(std::uint64_t lock_id) const noexcept {
  for (const auto& lock : locks) {
    if (lock.id == lock_id) return &lock;
  }
  return nullptr;
}

const thread_ref* finding::find_thread(std::uint64_t thread_id) const noexcept {
  for (const auto& thread : threads) {
    if (thread.id == thread_id) return &thread;
  }
  return nullptr;
}

}  // namespace concheck::detector
