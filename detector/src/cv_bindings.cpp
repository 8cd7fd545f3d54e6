// concheck detector: condition-variable bindings (cv_bindings.hpp).
#include "cv_bindings.hpp"

#include <algorithm>
#include <new>

namespace concheck::detector {

cv_binding_table::~cv_binding_table() {
  for (stripe& s : stripes_) {
    detail::internal_guard guard(s.lock);
    delete[] s.items;
  }
}

cv_binding_table::binding* cv_binding_table::find(stripe& s, std::uint64_t cv) noexcept {
  for (std::uint32_t i = 0; i < s.count; ++i) {
    if (s.items[i].cv == cv) return &s.items[i];
  }
  return nullptr;
}

void cv_binding_table::remove(stripe& s, binding* item) noexcept {
  *item = s.items[--s.count];  // unordered: the last one fills the hole
}

lock_id cv_binding_table::begin(std::uint64_t cv, lock_id mutex) noexcept {
  stripe& s = stripe_of(cv);
  detail::internal_guard guard(s.lock);
  if (binding* item = find(s, cv)) {
    ++item->waiters;
    return item->mutex != mutex ? item->mutex : 0;
  }
  if (s.count == s.capacity) {
    const std::uint32_t grown = std::max<std::uint32_t>(4, s.capacity * 2);
    auto* items = new (std::nothrow) binding[grown];
    if (items == nullptr) return 0;  // out of memory: this wait is not bound (a misuse may be missed)
    std::copy(s.items, s.items + s.count, items);
    delete[] s.items;
    s.items = items;
    s.capacity = grown;
  }
  s.items[s.count++] = binding{cv, mutex, 1};
  return 0;
}

void cv_binding_table::end(std::uint64_t cv) noexcept {
  stripe& s = stripe_of(cv);
  detail::internal_guard guard(s.lock);
  binding* item = find(s, cv);
  if (item != nullptr && --item->waiters == 0) remove(s, item);
}

void cv_binding_table::forget(std::uint64_t cv) noexcept {
  stripe& s = stripe_of(cv);
  detail::internal_guard guard(s.lock);
  if (binding* item = find(s, cv)) remove(s, item);
}

std::size_t cv_binding_table::size() noexcept {
  std::size_t total = 0;
  for (stripe& s : stripes_) {
    detail::internal_guard guard(s.lock);
    total += s.count;
  }
  return total;
}

void cv_binding_table::after_fork_child() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  // A thread of the parent may have been in the middle of a change: the
  // arrays are left as they are (their memory is lost, once per fork) and
  // every stripe starts empty.
  for (stripe& s : stripes_) {
    s.lock.reset_after_fork();
    s.items = nullptr;
    s.count = 0;
    s.capacity = 0;
  }
}

}  // namespace concheck::detector
