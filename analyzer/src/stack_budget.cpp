// Remaining-stack check for the analyzer's recursive walks (see the header).
#include "stack_budget.hpp"

#include <pthread.h>

#include <cstdint>

namespace concheck::analyzer::detail {
namespace {

// Lowest usable address of this thread's stack; 0 = not looked up yet,
// 1 = could not be found (never treat the stack as exhausted).
thread_local std::uintptr_t tls_stack_low = 0;

std::uintptr_t stack_low() noexcept {
  if (tls_stack_low != 0) return tls_stack_low;
  std::uintptr_t low = 1;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* address = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &address, &size) == 0 && address != nullptr) {
      std::size_t guard = 0;
      pthread_attr_getguardsize(&attr, &guard);
      low = reinterpret_cast<std::uintptr_t>(address) + guard;
    }
    pthread_attr_destroy(&attr);
  }
  tls_stack_low = low;
  return low;
}

}  // namespace

bool stack_nearly_exhausted(std::size_t reserve) noexcept {
  const std::uintptr_t low = stack_low();
  if (low == 1) return false;
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  return here < low || here - low < reserve;
}

}  // namespace concheck::analyzer::detail
